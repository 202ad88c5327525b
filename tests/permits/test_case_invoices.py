"""A permit's invoices on the workbench's case page, and a refund of its fee from there."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from payments.models import InvoiceStatus, Refund
from permits import workflow as wf
from permits.services import apply
from tests.accounts.factories import StaffFactory
from tests.permits.factories import PermitFactory, department
from tests.permits.inspection_factories import pay
from tests.permits.reviews import reviewed_type, sheet_add

pytestmark = pytest.mark.django_db(transaction=True)


def _staff(client, *roles):
    user = StaffFactory(roles=[(role, department(wf.DEPARTMENT_CODE)) for role in roles])
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


def _paid_application():
    permit = PermitFactory(permit_type=reviewed_type("ZONING"), owner_builder=True)
    sheet_add(permit, "A1.0")
    invoice = apply.permit_request_payment(permit=permit, actor=permit.case.applicant)
    pay(invoice)
    return permit, invoice, invoice.payments.get()


def test_a_cashier_refunds_part_of_the_application_fee_from_the_case_page(client):
    # given
    _staff(client, "clerk", "cashier")
    permit, invoice, payment = _paid_application()
    case_url = reverse("workbench:case", kwargs={"reference": permit.case.reference})
    refund_url = reverse(
        "payments_staff:case_refund",
        kwargs={"reference": permit.case.reference, "payment_id": payment.pk},
    )
    assert refund_url in client.get(case_url).content.decode()
    prefix = f"refund-{payment.pk}"
    typed = {f"{prefix}-amount": "5.00", f"{prefix}-reason": "Fee charged twice"}

    # when
    key = client.post(refund_url, typed).context["key"]
    done = client.post(refund_url, {**typed, "confirmed": "yes", f"{prefix}-key": str(key)})

    # then
    assert done.status_code == 302 and done["Location"] == case_url
    assert Refund.objects.get().amount_cents == 500
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTIALLY_REFUNDED
    page = client.get(case_url).content.decode()
    assert invoice.reference in page and "Fee charged twice" in page


def test_a_clerk_sees_the_permits_invoice_without_a_refund_form(client):
    _staff(client, "clerk")
    permit, invoice, _payment = _paid_application()
    page = client.get(reverse("workbench:case", kwargs={"reference": permit.case.reference}))
    assert invoice.reference in page.content.decode()
    assert "Check the refund" not in page.content.decode()
