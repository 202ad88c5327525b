"""seed_demo's facilities: six published with different rules, their calendar, and paid
bookings in the coming weeks; a second run changes nothing."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import (
    Blackout,
    Booking,
    BookingStatus,
    Facility,
    Lottery,
    LotteryRequest,
    SlotMode,
)

pytestmark = pytest.mark.django_db(transaction=True)


def seed():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def snapshot():
    return {
        "facilities": sorted(Facility.objects.values_list("code", "published_at")),
        "bookings": sorted(
            Booking.objects.values_list("facility__code", "period", "status", "reference")
        ),
        "blackouts": sorted(Blackout.objects.values_list("facility__code", "starts_on")),
        "lottery_requests": sorted(LotteryRequest.objects.values_list("pk", "status")),
    }


def test_seed_demo_creates_facilities_with_varied_rules_and_bookings(settings):
    # given
    settings.DEBUG = True

    # when
    seed()

    # then
    facilities = {facility.code: facility for facility in Facility.objects.all()}
    assert len(facilities) >= 6
    assert all(facility.published for facility in facilities.values())
    assert all(facility.name_es and facility.description_es for facility in facilities.values())
    pavilion = facilities["riverside-pavilion"]
    assert pavilion.slot_mode == SlotMode.FIXED and pavilion.deposit_cents
    assert pavilion.blackouts.exists()
    assert facilities["oak-street-community-room"].needs_approval
    assert set(Facility.objects.values_list("kind", flat=True)) >= {
        "pavilion",
        "room",
        "field",
        "gym",
    }
    for facility in facilities.values():
        assert facility.hours.exists()
        assert list(facility.cancellation_tiers.values_list("days_before", "percent")) == [
            (30, 100),
            (11, 50),
            (0, 0),
        ]
    upcoming = Booking.objects.filter(period__startswith__gt=timezone.now())
    assert upcoming.filter(status=BookingStatus.CONFIRMED).count() >= 8
    assert upcoming.filter(status=BookingStatus.PENDING_APPROVAL).exists()
    assert upcoming.filter(user__isnull=True).exists() and upcoming.filter(user__isnull=False)
    assert not Booking.objects.filter(status=BookingStatus.HELD).exists()
    # a lottery taking requests now, with requests from several households
    lottery = Lottery.objects.get(facility__code="westside-tennis-courts")
    assert lottery.opens_at < timezone.now() < lottery.closes_at and not lottery.drawn
    requests = LotteryRequest.objects.filter(lottery=lottery, status="requested")
    assert requests.count() >= 4
    assert len(set(requests.values_list("household_key", flat=True))) >= 3
    assert requests.filter(user__isnull=True).exists() and requests.filter(user__isnull=False)


def test_seed_demo_twice_changes_no_facility_or_booking(settings):
    # given
    settings.DEBUG = True
    seed()
    before = snapshot()

    # when
    seed()

    # then
    assert snapshot() == before
