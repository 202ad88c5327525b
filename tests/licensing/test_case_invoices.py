"""A license application's fee on the workbench's case page, refunded from there."""

import pytest
from django.urls import reverse

from licensing import services
from payments.models import InvoiceStatus, Refund
from tests.licensing.factories import LicenseFactory
from tests.licensing.test_workbench_panel import barber, licensing, sent_application, staff

__all__ = ["barber", "licensing"]  # fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_cashier_refunds_part_of_the_application_fee_from_the_case_page(
    client, resident, licensing, barber
):
    # given
    application = sent_application(barber, resident)
    client.force_login(staff([("clerk", licensing), ("cashier", licensing)]))
    invoice = application.invoice
    payment = invoice.payments.get()
    case_url = reverse("workbench:case", kwargs={"reference": application.case.reference})
    refund_url = reverse(
        "payments_staff:case_refund",
        kwargs={"reference": application.case.reference, "payment_id": payment.pk},
    )
    assert refund_url in client.get(case_url).content.decode()
    prefix = f"refund-{payment.pk}"
    typed = {f"{prefix}-amount": "20.00", f"{prefix}-reason": "Fee reduced"}

    # when
    key = client.post(refund_url, typed).context["key"]
    done = client.post(refund_url, {**typed, "confirmed": "yes", f"{prefix}-key": str(key)})

    # then
    assert done.status_code == 302
    assert Refund.objects.get().amount_cents == 2000
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIALLY_REFUNDED
    assert "Fee reduced" in client.get(case_url).content.decode()


def test_a_clerk_sees_the_fee_but_no_refund_form(client, resident, licensing, barber):
    application = sent_application(barber, resident)
    client.force_login(staff([("clerk", licensing)]))
    body = client.get(
        reverse("workbench:case", kwargs={"reference": application.case.reference})
    ).content.decode()
    assert application.invoice.reference in body
    assert "Check the refund" not in body


def test_a_fine_billed_to_the_license_shows_on_its_applications_case_page(
    client, resident, licensing, barber
):
    # given: a fine recorded against the license itself (no complaint): its invoice pays
    # for the license, not for a case
    application = sent_application(barber, resident)
    license = LicenseFactory(license_type=barber, holder=resident, application=application)
    clerk = staff([("clerk", licensing), ("cashier", licensing)])
    fine = services.disciplinary_action_record(
        license=license,
        actor=clerk,
        kind="fine",
        fine_cents=7500,
        public=False,
        internal_note="Expired sign",
    )
    client.force_login(clerk)

    # when
    body = client.get(
        reverse("workbench:case", kwargs={"reference": application.case.reference})
    ).content.decode()

    # then
    assert application.invoice.reference in body
    assert fine.invoice.reference in body


def test_a_fine_of_another_license_is_not_shown(client, resident, licensing, barber):
    application = sent_application(barber, resident)
    LicenseFactory(license_type=barber, holder=resident, application=application)
    clerk = staff([("clerk", licensing)])
    other = services.disciplinary_action_record(
        license=LicenseFactory(license_type=barber),
        actor=clerk,
        kind="fine",
        fine_cents=7500,
        public=False,
        internal_note="Another holder",
    )
    client.force_login(clerk)

    body = client.get(
        reverse("workbench:case", kwargs={"reference": application.case.reference})
    ).content.decode()

    assert other.invoice.reference not in body
