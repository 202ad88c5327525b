"""Check-in on the day and no-show recording: timestamps on the booking, private moves of its
case that the clerk's timeline shows."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from bookings.exceptions import StaffActionRefused
from bookings.services import attendance
from cases.models import CaseEvent
from tests.accounts.factories import UserFactory
from tests.bookings.checkout_support import NEW_YORK, confirmed, pavilion
from tests.bookings.staff_support import library_staff, parks, parks_staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def booking():
    parks()
    booking, _invoice = confirmed(pavilion())  # 10:00-12:00, 40 days ahead
    return booking


def _at(booking, hour: int, minute: int = 0, days: int = 0) -> datetime.datetime:
    day = booking.starts_at.astimezone(NEW_YORK).date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        ((23, 59, -1), False),  # the evening before
        ((0, 0, 0), True),  # midnight of the day
        ((11, 59, 0), True),
        ((12, 0, 0), False),  # the booking has ended
    ],
)
def test_check_in_is_open_on_the_day_until_the_booking_ends(booking, moment, allowed):
    clerk = parks_staff()
    hour, minute, days = moment
    now = _at(booking, hour, minute, days)
    if not allowed:
        with pytest.raises(StaffActionRefused):
            attendance.booking_check_in(booking=booking, actor=clerk, now=now)
        return
    assert attendance.booking_check_in(booking=booking, actor=clerk, now=now) == "checked_in"
    booking.refresh_from_db()
    assert booking.checked_in_at == now
    assert booking.case.status == "checked_in"
    event = booking.case.events.get(to_status="checked_in")
    assert (event.actor, event.audience) == (clerk, CaseEvent.Audience.STAFF)


def test_checking_in_twice_changes_nothing(booking):
    clerk = parks_staff()
    now = _at(booking, 10)
    attendance.booking_check_in(booking=booking, actor=clerk, now=now)
    assert attendance.booking_check_in(booking=booking, actor=clerk, now=now) == "unchanged"
    assert booking.case.events.filter(to_status="checked_in").count() == 1


@pytest.mark.parametrize(("hour", "minute", "allowed"), [(9, 59, False), (10, 0, True)])
def test_a_no_show_is_recorded_once_the_booking_has_started(booking, hour, minute, allowed):
    clerk = parks_staff()
    now = _at(booking, hour, minute)
    if not allowed:
        with pytest.raises(StaffActionRefused):
            attendance.booking_no_show(booking=booking, actor=clerk, now=now)
        return
    assert attendance.booking_no_show(booking=booking, actor=clerk, now=now) == "no_show"
    assert attendance.booking_no_show(booking=booking, actor=clerk, now=now) == "unchanged"
    booking.refresh_from_db()
    assert (booking.no_show_at, booking.case.status) == (now, "no_show")


def test_a_late_party_is_checked_in_after_a_no_show(booking):
    clerk = parks_staff()
    attendance.booking_no_show(booking=booking, actor=clerk, now=_at(booking, 10, 15))
    attendance.booking_check_in(booking=booking, actor=clerk, now=_at(booking, 10, 40))
    booking.refresh_from_db()
    assert booking.no_show_at is None
    assert booking.case.status == "checked_in"
    with pytest.raises(StaffActionRefused):
        attendance.booking_no_show(booking=booking, actor=clerk, now=_at(booking, 11))


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(lambda: library_staff(), id="another department's clerk"),
        pytest.param(lambda: UserFactory(), id="a resident"),
    ],
)
def test_only_deciding_staff_of_parks_record_attendance(booking, who):
    actor = who()
    with pytest.raises(PermissionDenied):
        attendance.booking_check_in(booking=booking, actor=actor, now=_at(booking, 10))
    with pytest.raises(PermissionDenied):
        attendance.booking_no_show(booking=booking, actor=actor, now=_at(booking, 10))
    booking.refresh_from_db()
    assert booking.checked_in_at is None and booking.no_show_at is None
