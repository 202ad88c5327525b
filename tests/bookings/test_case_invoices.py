"""A booking's invoices on the workbench's case page, and a refund from there."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from payments.models import InvoiceStatus, Refund
from tests.accounts.factories import StaffFactory
from tests.bookings.checkout_support import confirmed, pavilion
from tests.bookings.staff_support import parks
from tests.payments.factories import GuestInvoiceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    parks()


def _staff(client, *roles):
    """Parks staff with `roles`; the case page is for those who view cases (a cashier alone
    does not), so the cashier here is also a clerk."""
    user = StaffFactory(roles=[(role, parks()) for role in roles])
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


def _refund_url(booking, payment):
    return reverse(
        "payments_staff:case_refund",
        kwargs={"reference": booking.case.reference, "payment_id": payment.pk},
    )


def _paid_booking():
    booking, invoice = confirmed(pavilion())
    return booking, invoice, invoice.payments.get()


def test_a_cashier_refunds_part_of_a_bookings_payment_from_the_case_page(client):
    # given
    _staff(client, "clerk", "cashier")
    booking, invoice, payment = _paid_booking()
    case_url = reverse("workbench:case", kwargs={"reference": booking.case.reference})
    page = client.get(case_url)
    assert invoice.reference in page.content.decode()
    assert _refund_url(booking, payment) in page.content.decode()
    prefix = f"refund-{payment.pk}"
    typed = {f"{prefix}-amount": "10.00", f"{prefix}-reason": "Shorter event"}

    # when: the form shows a confirmation page first, which changes nothing
    check = client.post(_refund_url(booking, payment), typed)
    assert check.status_code == 200
    assert "payments/workbench/refund_confirm.html" in [t.name for t in check.templates]
    assert not Refund.objects.exists()
    key = check.context["key"]
    confirmed_post = {**typed, "confirmed": "yes", f"{prefix}-key": str(key)}
    first = client.post(_refund_url(booking, payment), confirmed_post)
    second = client.post(_refund_url(booking, payment), confirmed_post)  # a double click

    # then
    assert first.status_code == second.status_code == 302
    assert first["Location"] == case_url
    refund = Refund.objects.get()
    assert refund.amount_cents == 1000 and refund.status == Refund.Status.SUCCEEDED
    invoice.refresh_from_db()
    assert invoice.amount_refunded_cents == 1000
    assert invoice.status == InvoiceStatus.PARTIALLY_REFUNDED
    shown = client.get(case_url).content.decode()
    assert "Partially refunded" in shown
    assert "Shorter event" in shown


def test_a_refund_above_what_was_paid_is_refused_and_changes_nothing(client):
    _staff(client, "clerk", "cashier")
    booking, _invoice, payment = _paid_booking()
    prefix = f"refund-{payment.pk}"
    response = client.post(
        _refund_url(booking, payment),
        {
            f"{prefix}-amount": "9999.00",
            f"{prefix}-reason": "Too much",
            "confirmed": "yes",
        },
        follow=True,
    )
    assert "A refund cannot be more than what is left" in response.content.decode()
    assert not Refund.objects.exists()


def test_a_refund_without_a_reason_says_so_and_changes_nothing(client):
    _staff(client, "clerk", "cashier")
    booking, _invoice, payment = _paid_booking()
    prefix = f"refund-{payment.pk}"
    response = client.post(
        _refund_url(booking, payment),
        {f"{prefix}-amount": "10.00", f"{prefix}-reason": ""},
        follow=True,
    )
    assert "Reason: This field is required." in response.content.decode()
    assert not Refund.objects.exists()


def test_a_clerk_sees_the_invoices_but_may_not_refund(client):
    # given
    _staff(client, "clerk")
    booking, invoice, payment = _paid_booking()

    # when
    page = client.get(reverse("workbench:case", kwargs={"reference": booking.case.reference}))
    prefix = f"refund-{payment.pk}"
    refused = client.post(
        _refund_url(booking, payment),
        {f"{prefix}-amount": "10.00", f"{prefix}-reason": "x", "confirmed": "yes"},
    )

    # then
    assert invoice.reference in page.content.decode()
    assert _refund_url(booking, payment) not in page.content.decode()
    assert refused.status_code == 403
    assert not Refund.objects.exists()


def test_a_payment_of_another_case_is_not_refunded_from_this_one(client):
    _staff(client, "clerk", "cashier")
    booking, _invoice, _payment = _paid_booking()
    _other, _other_invoice, other_payment = _paid_booking()
    prefix = f"refund-{other_payment.pk}"
    response = client.post(
        _refund_url(booking, other_payment),
        {f"{prefix}-amount": "1.00", f"{prefix}-reason": "x", "confirmed": "yes"},
    )
    assert response.status_code == 404
    assert not Refund.objects.exists()


def test_the_case_page_reads_the_invoices_in_constant_queries(client):
    _staff(client, "clerk", "cashier")
    booking, _invoice, _payment = _paid_booking()
    url = reverse("workbench:case", kwargs={"reference": booking.case.reference})

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    client.get(url)  # warm the per-request caches (content types, grants)
    one = count()
    for _n in range(3):
        GuestInvoiceFactory(subject=booking)
    assert count() == one


def test_a_refused_refund_shows_the_case_page_again_with_the_values_typed(client):
    _staff(client, "clerk", "cashier")
    booking, _invoice, payment = _paid_booking()
    prefix = f"refund-{payment.pk}"

    too_much = client.post(
        _refund_url(booking, payment),
        {f"{prefix}-amount": "9999.00", f"{prefix}-reason": "Rained out", "confirmed": "yes"},
    )
    no_reason = client.post(
        _refund_url(booking, payment), {f"{prefix}-amount": "12.50", f"{prefix}-reason": ""}
    )

    assert too_much.status_code == no_reason.status_code == 400
    shown = too_much.content.decode()
    assert "A refund cannot be more than what is left" in shown
    assert 'value="9999.00"' in shown and 'value="Rained out"' in shown
    again = no_reason.content.decode()
    assert 'value="12.50"' in again and "usa-input--error" in again
    assert not Refund.objects.exists()
