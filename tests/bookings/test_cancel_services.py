"""Cancelling and moving a booking: the refund shown is the refund made, through the gateway;
the slot is freed; the calendar sequence rises; staff cancel with everything back."""

import datetime

import pytest

from bookings.models import BookingStatus
from bookings.services import approval, checkout
from bookings.services import cancel as cancelling
from notifications.models import Notification
from payments.models import Refund
from tests.accounts.factories import StaffFactory
from tests.bookings.checkout_support import NEW_YORK, confirmed, pavilion
from tests.bookings.factories import booking_row
from tests.bookings.staff_support import awaiting_approval, parks_staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"


def day_before(booking, days: int, hour: int = 23, minute: int = 59) -> datetime.datetime:
    """`hour:minute` in New York on the day `days` before the booking's day."""
    day = booking.starts_at.astimezone(NEW_YORK).date() - datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("days", "refund_cents"),
    [
        (30, 8000 + 5000),  # 100% of the fee, and the deposit
        (29, 4000 + 5000),  # 50%
        (11, 4000 + 5000),
        (10, 5000),  # the deposit only
    ],
)
def test_cancel_refunds_the_tier_of_that_day_through_the_gateway(days, refund_cents):
    # given: $80 fee + $50 deposit paid
    booking, invoice = confirmed(pavilion())
    now = day_before(booking, days)
    quote = cancelling.booking_cancel_quote(booking=booking, now=now)
    assert quote.refund_cents == refund_cents

    # when
    cancelling.booking_cancel(booking=booking, expected_refund_cents=refund_cents, now=now)

    # then
    booking.refresh_from_db()
    invoice.refresh_from_db()
    assert (booking.status, booking.case.status) == ("cancelled", "cancelled")
    assert booking.ics_sequence == 1
    assert invoice.amount_refunded_cents == refund_cents
    assert booking.refunded_cents == refund_cents
    [refund] = Refund.objects.all()
    assert (refund.policy, refund.status) == ("bookings.cancelled_by_booker", "succeeded")
    assert Notification.objects.filter(
        template_key="bookings/cancelled", channel="email", to_address="ana@example.com"
    ).exists()
    # the case's timeline shows the cancellation and the refund's facts
    assert booking.case.events.filter(kind="update", payload__refund_cents=refund_cents).exists()


def test_a_confirmed_booking_cancelled_says_the_days_ahead_not_before_approval():
    # given
    booking, _invoice = confirmed(pavilion())
    now = day_before(booking, 29)

    # when
    cancelling.booking_cancel(booking=booking, expected_refund_cents=9000, now=now)

    # then
    [event] = booking.case.events.filter(kind="update", payload__what="cancelled")
    assert event.payload["before_approval"] is False
    assert event.text == (
        "Cancelled by the booker 29 days ahead: $90.00 refunded under the cancellation policy."
    )
    [refund] = Refund.objects.all()
    assert refund.reason == f"Booking {booking.reference} cancelled 29 days ahead"


@pytest.mark.parametrize(("days", "ahead"), [(1, "1 day ahead"), (2, "2 days ahead")])
def test_the_refund_reason_says_day_or_days_ahead(days, ahead):
    # given: $80 fee + $50 deposit paid; under eleven days the deposit comes back
    booking, _invoice = confirmed(pavilion())
    now = day_before(booking, days)

    # when
    cancelling.booking_cancel(booking=booking, expected_refund_cents=5000, now=now)

    # then
    [refund] = Refund.objects.all()
    assert refund.reason == f"Booking {booking.reference} cancelled {ahead}"


# Each tier's boundary day, as above, and the booking's own day before it starts.
BOUNDARIES = [(30, 23, 59), (29, 23, 59), (11, 23, 59), (10, 23, 59), (0, 0, 1)]


@pytest.mark.parametrize(("days", "hour", "minute"), BOUNDARIES)
def test_cancelling_before_approval_refunds_everything_whatever_the_tier(days, hour, minute):
    # given: $80 fee + $50 deposit paid for a booking staff have not approved yet
    booking, invoice = awaiting_approval()
    assert booking.status == BookingStatus.PENDING_APPROVAL
    now = day_before(booking, days, hour, minute)

    # when
    quote = cancelling.booking_cancel_quote(booking=booking, now=now)
    cancelling.booking_cancel(booking=booking, expected_refund_cents=13000, now=now)

    # then: the tiers are for confirmed bookings; one never confirmed is all paid back
    assert (quote.percent, quote.fee_refund_cents, quote.refund_cents) == (100, 8000, 13000)
    booking.refresh_from_db()
    invoice.refresh_from_db()
    assert (booking.status, booking.case.status) == ("cancelled", "cancelled")
    assert invoice.amount_refunded_cents == booking.refunded_cents == 13000
    [refund] = Refund.objects.all()
    assert (refund.policy, refund.amount_cents) == ("bookings.cancelled_by_booker", 13000)
    [event] = booking.case.events.filter(kind="update", payload__what="cancelled")
    assert (event.payload["percent"], event.payload["refund_cents"]) == (100, 13000)
    # and the timeline and the refund say why everything came back
    assert event.payload["before_approval"] is True
    assert event.text == (
        "Cancelled by the booker before staff approval: everything paid is refunded, $130.00."
    )
    assert refund.reason == f"Booking {booking.reference} cancelled before staff approval"


@pytest.mark.parametrize(
    ("days", "refund_cents"), [(30, 8000 + 5000), (29, 4000 + 5000), (10, 5000)]
)
def test_once_approved_the_tiers_apply(days, refund_cents):
    # given: the booking waited for approval and staff approved it
    booking, _invoice = awaiting_approval()
    approval.booking_approve(booking=booking, actor=parks_staff())
    now = day_before(booking, days)

    # when
    quote = cancelling.booking_cancel(booking=booking, expected_refund_cents=refund_cents, now=now)

    # then
    assert quote.refund_cents == refund_cents
    assert Refund.objects.get().amount_cents == refund_cents


def test_approval_between_the_quote_and_the_confirmation_changes_nothing():
    # given: the booker saw everything back 10 days ahead, then staff approved the booking
    booking, _invoice = awaiting_approval()
    now = day_before(booking, 10)
    seen = cancelling.booking_cancel_quote(booking=booking, now=now).refund_cents
    approval.booking_approve(booking=booking, actor=parks_staff())

    # when
    with pytest.raises(cancelling.QuoteChanged) as changed:
        cancelling.booking_cancel(booking=booking, expected_refund_cents=seen, now=now)

    # then: they are shown the tier's figure to confirm again
    assert (seen, changed.value.quote.refund_cents) == (13000, 5000)
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert not Refund.objects.exists()


def test_cancelling_frees_the_slot_for_someone_else():
    booking, _invoice = confirmed(pavilion())
    quote = cancelling.booking_cancel_quote(booking=booking)
    cancelling.booking_cancel(booking=booking, expected_refund_cents=quote.refund_cents)

    # the database now takes a booking of the same time
    other = booking_row(facility=booking.facility, start=booking.starts_at, minutes=120)
    assert other.status == BookingStatus.CONFIRMED


def test_a_changed_quote_changes_nothing():
    # given: the visitor saw the 30-day figure, then midnight passed
    booking, _invoice = confirmed(pavilion())
    seen = cancelling.booking_cancel_quote(
        booking=booking, now=day_before(booking, 30)
    ).refund_cents

    # when
    with pytest.raises(cancelling.QuoteChanged) as changed:
        cancelling.booking_cancel(
            booking=booking, expected_refund_cents=seen, now=day_before(booking, 29, 0, 1)
        )

    # then
    booking.refresh_from_db()
    assert changed.value.quote.refund_cents == 9000
    assert booking.status == "confirmed"
    assert not Refund.objects.exists()


def test_cancelling_twice_is_refused_and_refunds_once():
    booking, _invoice = confirmed(pavilion())
    quote = cancelling.booking_cancel_quote(booking=booking)
    cancelling.booking_cancel(booking=booking, expected_refund_cents=quote.refund_cents)
    with pytest.raises(cancelling.CancelRefused):
        cancelling.booking_cancel(booking=booking, expected_refund_cents=quote.refund_cents)
    assert Refund.objects.count() == 1


def test_a_started_booking_cannot_be_cancelled():
    booking, _invoice = confirmed(pavilion())
    with pytest.raises(cancelling.CancelRefused):
        cancelling.booking_cancel(
            booking=booking,
            expected_refund_cents=5000,
            now=booking.starts_at + datetime.timedelta(minutes=1),
        )


def test_staff_cancel_for_the_agency_refunds_everything_and_tells_the_booker():
    # given: 5 days ahead, when the booker would get only the deposit
    booking, invoice = confirmed(pavilion())
    clerk = StaffFactory(roles=["clerk"])

    # when
    quote = cancelling.booking_cancel_by_agency(
        booking=booking, actor=clerk, message="The pavilion roof is being repaired."
    )

    # then
    invoice.refresh_from_db()
    assert quote.refund_cents == invoice.total_cents
    assert invoice.status == "refunded"
    notice = Notification.objects.get(template_key="bookings/cancelled_by_agency", channel="email")
    assert notice.context["message"] == "The pavilion roof is being repaired."
    assert Refund.objects.get().policy == "bookings.cancelled_by_agency"


def test_staff_cancel_needs_a_message_and_a_role():
    booking, _invoice = confirmed(pavilion())
    with pytest.raises(cancelling.CancelRefused):
        cancelling.booking_cancel_by_agency(
            booking=booking, actor=StaffFactory(roles=["clerk"]), message=" "
        )
    with pytest.raises(cancelling.CancelRefused):
        cancelling.booking_cancel_by_agency(
            booking=booking, actor=booking.case.applicant or StaffFactory(roles=[]), message="x"
        )
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_guest_bookings_join_the_account_that_verifies_the_address():
    from cases.claims import claims_for_verified_email
    from tests.accounts.factories import UserFactory

    booking, _invoice = confirmed(pavilion())
    user = UserFactory(email="ANA@example.com")

    result = claims_for_verified_email(user=user, email="ana@example.com")

    booking.refresh_from_db()
    assert booking.user == user
    assert booking.case.applicant == user
    assert "1 booking" in result.message()
    assert checkout.manage_link(booking) is None
