"""Staff approve a booking that needs it (with conditions the booker reads) or decline it
(with a reason; everything paid refunded through the gateway), once."""

import pytest
from django.core.exceptions import PermissionDenied

from bookings.exceptions import StaffActionRefused
from bookings.models import BookingStatus
from bookings.services import approval
from notifications.models import Notification
from payments.models import Refund
from tests.accounts.factories import UserFactory
from tests.bookings.checkout_support import confirmed, pavilion
from tests.bookings.factories import booking_row
from tests.bookings.staff_support import awaiting_approval, library_staff, parks, parks_staff

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_paid_booking_of_such_a_facility_waits_for_staff_and_the_booker_is_told_so():
    # when
    booking, _invoice = awaiting_approval()

    # then
    assert (booking.status, booking.case.status) == ("pending_approval", "pending_approval")
    assert Notification.objects.filter(template_key="bookings/received", channel="email").exists()
    assert not Notification.objects.filter(template_key="bookings/confirmed").exists()


def test_approving_with_conditions_confirms_and_tells_the_booker():
    # given
    booking, _invoice = awaiting_approval()
    clerk = parks_staff()

    # when
    outcome = approval.booking_approve(
        booking=booking, actor=clerk, conditions="No alcohol served."
    )

    # then
    booking.refresh_from_db()
    booking.case.refresh_from_db()
    assert outcome == "approved"
    assert (booking.status, booking.case.status) == ("confirmed", "confirmed")
    assert booking.conditions == "No alcohol served."
    notice = Notification.objects.get(template_key="bookings/approved", channel="email")
    assert notice.to_address == "ana@example.com"
    assert notice.context["conditions"] == "No alcohol served."
    event = booking.case.events.get(to_status="confirmed", actor=clerk)
    assert event.body == "No alcohol served."


def test_approving_twice_changes_nothing_the_second_time():
    booking, _invoice = awaiting_approval()
    clerk = parks_staff()
    approval.booking_approve(booking=booking, actor=clerk)

    assert approval.booking_approve(booking=booking, actor=clerk) == "unchanged"
    assert (
        Notification.objects.filter(template_key="bookings/approved", channel="email").count() == 1
    )


def test_declining_frees_the_slot_refunds_everything_and_tells_the_booker_why():
    # given: $80 fee and $50 deposit paid
    booking, invoice = awaiting_approval()
    clerk = parks_staff()

    # when
    outcome = approval.booking_decline(
        booking=booking, actor=clerk, reason="The pavilion is reserved for the city fair."
    )

    # then
    booking.refresh_from_db()
    invoice.refresh_from_db()
    assert outcome == "declined"
    assert (booking.status, booking.case.status) == ("declined", "declined")
    assert booking.decline_reason == "The pavilion is reserved for the city fair."
    assert invoice.amount_refunded_cents == 13000
    assert Refund.objects.get().policy == "bookings.declined"
    notice = Notification.objects.get(template_key="bookings/declined", channel="email")
    assert notice.context["reason"] == "The pavilion is reserved for the city fair."
    assert notice.context["refund_cents"] == 13000
    # the slot is free again
    assert booking_row(facility=booking.facility, start=booking.starts_at, minutes=120)


def test_declining_twice_refunds_once():
    booking, _invoice = awaiting_approval()
    clerk = parks_staff()
    approval.booking_decline(booking=booking, actor=clerk, reason="Closed.")

    assert approval.booking_decline(booking=booking, actor=clerk, reason="Closed.") == "unchanged"
    assert Refund.objects.count() == 1


def test_a_decision_needs_a_reason_to_decline_and_a_booking_that_waits():
    booking, _invoice = awaiting_approval()
    clerk = parks_staff()
    with pytest.raises(StaffActionRefused):
        approval.booking_decline(booking=booking, actor=clerk, reason="  ")

    approval.booking_approve(booking=booking, actor=clerk)
    with pytest.raises(StaffActionRefused):
        approval.booking_decline(booking=booking, actor=clerk, reason="Changed my mind")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert not Refund.objects.exists()


def test_a_booking_without_approval_is_not_declined():
    parks()
    booking, _invoice = confirmed(pavilion())
    with pytest.raises(StaffActionRefused):
        approval.booking_decline(booking=booking, actor=parks_staff(), reason="No")


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(lambda: library_staff(), id="another department's clerk"),
        pytest.param(lambda: parks_staff("cashier"), id="a parks cashier"),
        pytest.param(lambda: parks_staff("inspector"), id="a parks inspector"),
        pytest.param(lambda: UserFactory(), id="a resident"),
    ],
)
def test_only_deciding_staff_of_parks_may_decide(who):
    booking, _invoice = awaiting_approval()
    actor = who()

    with pytest.raises(PermissionDenied):
        approval.booking_approve(booking=booking, actor=actor)
    with pytest.raises(PermissionDenied):
        approval.booking_decline(booking=booking, actor=actor, reason="No")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING_APPROVAL
    assert not Refund.objects.exists()


def test_a_booking_whose_time_has_passed_is_not_approved():
    booking, _invoice = awaiting_approval()
    with pytest.raises(StaffActionRefused):
        approval.booking_approve(booking=booking, actor=parks_staff(), now=booking.starts_at)


def test_a_declined_booking_is_offered_to_the_first_person_waiting():
    # given: a guest waits for the time of a booking waiting for approval
    from bookings.models import WaitlistStatus
    from bookings.services.waitlist import waitlist_join

    booking, _invoice = awaiting_approval()
    entry = waitlist_join(
        facility=booking.facility,
        start=booking.starts_at,
        minutes=120,
        name="Ben",
        email="ben@example.com",
    )

    # when
    approval.booking_decline(booking=booking, actor=parks_staff(), reason="Closed that day.")

    # then
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED


def test_the_booker_gets_one_message_per_step_not_the_engines_as_well():
    # when
    booking, _invoice = awaiting_approval()
    approval.booking_approve(booking=booking, actor=parks_staff(), conditions="No glass.")

    # then: the booking's own messages, and none of the case engine's generic ones
    keys = set(
        Notification.objects.filter(channel="email", to_address="ana@example.com").values_list(
            "template_key", flat=True
        )
    )
    assert {"bookings/received", "bookings/approved"} <= keys
    assert not keys & {"cases/submitted", "cases/status_changed"}
