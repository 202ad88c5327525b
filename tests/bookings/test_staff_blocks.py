"""Blocking a facility's time: a row the exclusion constraint keeps apart from bookings,
unavailable in availability, refused over a live booking with the references in the way."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.utils import timezone

from bookings.availability import days_availability
from bookings.exceptions import HoldRefused, SlotTaken, StaffActionRefused
from bookings.models import Booking, BookingKind, BookingStatus
from bookings.services import blocks
from bookings.services.holds import booking_hold
from tests.accounts.factories import UserFactory
from tests.bookings.checkout_support import NEW_YORK, confirmed, local_start, pavilion
from tests.bookings.factories import FacilityFactory, booking_row
from tests.bookings.staff_support import library_staff, parks, parks_staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    parks()


def _day(days: int = 10) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _block(facility, start, hours=2, reason="Roof repair", actor=None):
    return blocks.block_create(
        facility=facility,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=hours),
        reason=reason,
        actor=actor or parks_staff(),
    )


def test_a_block_makes_its_time_unavailable_and_refuses_holds():
    # given
    facility = FacilityFactory(buffer_minutes=0)
    start = local_start(_day(), 10)

    # when
    block = _block(facility, start)

    # then
    assert (block.kind, block.status, block.case) == (BookingKind.BLOCK, "confirmed", None)
    [day] = days_availability(facility=facility, first=_day(), days=1)
    starts = {slot.start for slot in day.slots}
    assert start not in starts and start + datetime.timedelta(hours=1) not in starts
    assert start + datetime.timedelta(hours=2) in starts
    with pytest.raises((SlotTaken, HoldRefused)):
        booking_hold(facility=facility, start=start, minutes=60, holder_key="k")


def test_the_database_keeps_a_booking_out_of_blocked_time():
    facility = FacilityFactory()
    start = local_start(_day(), 10)
    _block(facility, start)
    with pytest.raises(IntegrityError):
        booking_row(facility=facility, start=start + datetime.timedelta(minutes=30))


def test_a_block_over_a_confirmed_booking_is_refused_with_its_reference():
    # given
    facility = pavilion()
    booking, _invoice = confirmed(facility, start=local_start(_day(40), 10))

    # when
    with pytest.raises(StaffActionRefused) as refused:
        _block(facility, local_start(_day(40), 11))

    # then
    assert booking.reference in str(refused.value)
    assert "Cancel or move it first" in str(refused.value)
    assert not Booking.objects.filter(kind=BookingKind.BLOCK).exists()


@pytest.mark.parametrize(
    ("block_hour", "block_hours", "allowed"),
    [
        (8, 2, True),  # ends as the booking starts
        (12, 2, True),  # starts as the booking ends (no buffer)
        (9, 2, False),  # overlaps its first hour
        (11, 1, False),  # inside it
    ],
)
def test_a_block_next_to_a_booking_at_the_boundaries(block_hour, block_hours, allowed):
    facility = FacilityFactory(buffer_minutes=0)
    booking_row(facility=facility, start=local_start(_day(), 10), minutes=120)
    start = local_start(_day(), block_hour)
    if allowed:
        assert _block(facility, start, hours=block_hours).status == "confirmed"
    else:
        with pytest.raises(StaffActionRefused):
            _block(facility, start, hours=block_hours)


def test_a_block_keeps_the_buffer_of_the_booking_before_it():
    facility = FacilityFactory(buffer_minutes=30)
    booking_row(facility=facility, start=local_start(_day(), 10), minutes=60)
    with pytest.raises(StaffActionRefused):
        _block(facility, local_start(_day(), 11))
    assert _block(facility, local_start(_day(), 11) + datetime.timedelta(minutes=30))


def test_the_same_block_sent_twice_is_made_once():
    facility = FacilityFactory()
    clerk = parks_staff()
    start = local_start(_day(), 10)
    first = _block(facility, start, actor=clerk)
    assert _block(facility, start, actor=clerk) == first
    assert Booking.objects.filter(kind=BookingKind.BLOCK).count() == 1


def test_an_overlapping_block_is_refused_and_a_removed_block_frees_the_time():
    facility = FacilityFactory()
    clerk = parks_staff()
    start = local_start(_day(), 10)
    block = _block(facility, start, actor=clerk)
    with pytest.raises(StaffActionRefused, match="already blocked"):
        _block(facility, start + datetime.timedelta(hours=1), reason="Painting", actor=clerk)

    assert blocks.block_remove(block=block, actor=clerk) is True
    assert blocks.block_remove(block=block, actor=clerk) is False
    block.refresh_from_db()
    assert block.status == BookingStatus.CANCELLED
    assert booking_row(facility=facility, start=start)


@pytest.mark.parametrize(
    ("hours", "reason", "days"),
    [(0, "Roof", 10), (2, " ", 10), (2, "Roof", -2), (24 * 32, "Roof", 10)],
    ids=["empty", "no reason", "past", "over a month"],
)
def test_bad_blocks_are_refused(hours, reason, days):
    facility = FacilityFactory()
    start = datetime.datetime.combine(_day(days), datetime.time(10), tzinfo=NEW_YORK)
    with pytest.raises(StaffActionRefused):
        _block(facility, start, hours=hours, reason=reason)


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(lambda: library_staff(), id="another department's clerk"),
        pytest.param(lambda: parks_staff("cashier"), id="a parks cashier"),
        pytest.param(lambda: UserFactory(), id="a resident"),
    ],
)
def test_only_deciding_staff_of_parks_block_time(who):
    facility = FacilityFactory()
    with pytest.raises(PermissionDenied):
        _block(facility, local_start(_day(), 10), actor=who())
    assert not Booking.objects.exists()
