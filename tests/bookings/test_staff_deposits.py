"""Settling the deposit after the event: released in full, or part kept with a reason the
booker reads; the rest refunded through the gateway; the case completed; once."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from bookings.exceptions import StaffActionRefused
from bookings.services import attendance, deposits
from notifications.models import Notification
from payments.models import Refund
from tests.accounts.factories import UserFactory
from tests.bookings.checkout_support import confirmed, pavilion
from tests.bookings.staff_support import library_staff, parks, parks_staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def booking():
    parks()
    booking, _invoice = confirmed(pavilion())  # $80 fee, $50 deposit
    return booking


def _after(booking, minutes: int = 0) -> datetime.datetime:
    return booking.ends_at + datetime.timedelta(minutes=minutes)


def test_releasing_in_full_refunds_the_deposit_and_completes_the_case(booking):
    # given
    clerk = parks_staff()
    attendance.booking_check_in(booking=booking, actor=clerk, now=booking.starts_at)

    # when
    outcome = deposits.booking_deposit_settle(booking=booking, actor=clerk, now=_after(booking))

    # then
    booking.refresh_from_db()
    assert outcome == "settled"
    assert (booking.deposit_kept_cents, booking.refunded_cents) == (0, 5000)
    assert booking.case.status == "completed"
    refund = Refund.objects.get()
    assert (refund.amount_cents, refund.policy) == (5000, "bookings.deposit_released")
    notice = Notification.objects.get(template_key="bookings/deposit_settled", channel="email")
    assert notice.context["refund_cents"] == 5000


def test_keeping_part_refunds_the_rest_and_tells_the_booker_why(booking):
    clerk = parks_staff()
    deposits.booking_deposit_settle(
        booking=booking,
        actor=clerk,
        kept_cents=2000,
        reason="Grill left uncleaned.",
        now=_after(booking, 60),
    )

    booking.refresh_from_db()
    assert (booking.deposit_kept_cents, booking.deposit_reason) == (2000, "Grill left uncleaned.")
    assert Refund.objects.get().amount_cents == 3000
    assert booking.case.events.get(to_status="completed").body == "Grill left uncleaned."
    notice = Notification.objects.get(template_key="bookings/deposit_settled", channel="email")
    assert (notice.context["kept_cents"], notice.context["reason"]) == (
        2000,
        "Grill left uncleaned.",
    )


def test_keeping_everything_refunds_nothing(booking):
    deposits.booking_deposit_settle(
        booking=booking, actor=parks_staff(), kept_cents=5000, reason="Damage", now=_after(booking)
    )
    assert not Refund.objects.exists()


@pytest.mark.parametrize(
    ("kept", "reason", "minutes"),
    [(0, "", -1), (5001, "Damage", 0), (100, "", 0)],
    ids=["before the event ends", "more than the deposit", "kept without a reason"],
)
def test_bad_settlements_are_refused(booking, kept, reason, minutes):
    with pytest.raises(StaffActionRefused):
        deposits.booking_deposit_settle(
            booking=booking,
            actor=parks_staff(),
            kept_cents=kept,
            reason=reason,
            now=_after(booking, minutes),
        )
    booking.refresh_from_db()
    assert booking.deposit_settled_at is None
    assert not Refund.objects.exists()


def test_settling_twice_refunds_once(booking):
    clerk = parks_staff()
    deposits.booking_deposit_settle(booking=booking, actor=clerk, now=_after(booking))
    assert deposits.booking_deposit_settle(booking=booking, actor=clerk, now=_after(booking)) == (
        "unchanged"
    )
    assert Refund.objects.count() == 1


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(lambda: library_staff(), id="another department's clerk"),
        pytest.param(lambda: UserFactory(), id="a resident"),
    ],
)
def test_only_deciding_staff_of_parks_settle_deposits(booking, who):
    with pytest.raises(PermissionDenied):
        deposits.booking_deposit_settle(booking=booking, actor=who(), now=_after(booking))
    assert not Refund.objects.exists()
