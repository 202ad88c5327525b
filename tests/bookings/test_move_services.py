"""Moving a booking keeps what was paid and settles the difference: a dearer time is
invoiced for the difference only, a cheaper one refunded through the gateway with its
receipt, an equal one costs nothing; a refused move changes nothing. A cancellation
refunds through the gateway with a refund receipt too."""

import datetime

import pytest

from bookings.models import BookingStatus
from bookings.services import cancel as cancelling
from bookings.services.cancel import CancelRefused
from bookings.services.checkout import PURPOSE_CHANGE
from payments.models import Invoice, InvoiceStatus, Receipt, ReceiptKind, Refund
from tests.bookings.checkout_support import NEW_YORK, confirmed, local_start, pavilion, pay_locally
from tests.bookings.factories import booking_row

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"


def _day_of(booking) -> datetime.date:
    return booking.starts_at.astimezone(NEW_YORK).date()


def test_a_dearer_time_is_invoiced_for_the_difference_only_and_paying_it_keeps_the_booking():
    # given: two hours at $40 and a $50 deposit, paid ($130)
    booking, first_invoice = confirmed(pavilion())
    day = _day_of(booking)

    # when: moved to three hours
    outcome = cancelling.booking_move(
        booking=booking, starts_at=local_start(day, 14), ends_at=local_start(day, 17)
    )

    # then: one open invoice of $40 for the new time; nothing refunded
    assert outcome.difference_cents == 4000
    change = Invoice.objects.get(purpose=PURPOSE_CHANGE)
    assert change.pk == outcome.invoice.pk
    assert (change.status, change.total_cents) == (InvoiceStatus.OPEN, 4000)
    assert change.guest_email == "ana@example.com"
    assert not Refund.objects.exists()
    booking.refresh_from_db()
    assert booking.price_cents == 12000 and booking.status == BookingStatus.CONFIRMED
    assert booking.starts_at == local_start(day, 14)

    # when: the difference is paid
    pay_locally(change)

    # then: both invoices paid, the booking still confirmed at its new time
    change.refresh_from_db()
    first_invoice.refresh_from_db()
    assert (first_invoice.status, change.status) == (InvoiceStatus.PAID, InvoiceStatus.PAID)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert cancelling.paid_cents(booking) == 13000 + 4000


def test_a_cheaper_time_refunds_the_difference_through_the_gateway_with_a_receipt():
    # given: two hours at $40 and a $50 deposit, paid ($130)
    booking, invoice = confirmed(pavilion())
    day = _day_of(booking)

    # when: moved to one hour
    outcome = cancelling.booking_move(
        booking=booking, starts_at=local_start(day, 14), ends_at=local_start(day, 15)
    )

    # then: $40 back on the invoice paid, no new invoice
    assert (outcome.difference_cents, outcome.invoice) == (-4000, None)
    [refund] = Refund.objects.all()
    assert (refund.amount_cents, refund.policy, refund.status) == (
        4000,
        cancelling.POLICY_MOVED,
        "succeeded",
    )
    assert refund.payment.invoice_id == invoice.pk
    invoice.refresh_from_db()
    assert invoice.amount_refunded_cents == 4000
    assert Receipt.objects.filter(kind=ReceiptKind.REFUND, refund=refund).count() == 1
    assert not Invoice.objects.filter(purpose=PURPOSE_CHANGE).exists()
    booking.refresh_from_db()
    assert booking.price_cents == 4000 and booking.status == BookingStatus.CONFIRMED


def test_a_time_at_the_same_price_neither_invoices_nor_refunds():
    # given
    booking, _invoice = confirmed(pavilion())
    day = _day_of(booking)

    # when
    outcome = cancelling.booking_move(
        booking=booking, starts_at=local_start(day, 14), ends_at=local_start(day, 16)
    )

    # then
    assert (outcome.difference_cents, outcome.invoice) == (0, None)
    assert not Refund.objects.exists()
    assert not Invoice.objects.filter(purpose=PURPOSE_CHANGE).exists()


def test_a_move_into_a_taken_time_is_refused_and_changes_nothing():
    # given: someone else has 2 p.m. to 4 p.m. the same day
    booking, _invoice = confirmed(pavilion())
    day = _day_of(booking)
    booking_row(facility=booking.facility, start=local_start(day, 14), minutes=120)

    # when
    with pytest.raises(CancelRefused):
        cancelling.booking_move(
            booking=booking, starts_at=local_start(day, 14), ends_at=local_start(day, 17)
        )

    # then
    booking.refresh_from_db()
    assert booking.starts_at == local_start(day, 10)
    assert (booking.price_cents, booking.ics_sequence) == (8000, 0)
    assert not Invoice.objects.filter(purpose=PURPOSE_CHANGE).exists()
    assert not Refund.objects.exists()


def test_a_cancellation_refund_has_its_refund_receipt():
    # given: paid $130, cancelled 40 days ahead (all back)
    booking, invoice = confirmed(pavilion())
    quote = cancelling.booking_cancel_quote(booking=booking)

    # when
    cancelling.booking_cancel(booking=booking, expected_refund_cents=quote.refund_cents)

    # then
    [refund] = Refund.objects.all()
    [receipt] = Receipt.objects.filter(kind=ReceiptKind.REFUND)
    assert (receipt.refund_id, receipt.invoice_id) == (refund.pk, invoice.pk)
    assert refund.amount_cents == quote.refund_cents == 13000
