"""Free slots from hours, closed dates, holidays, rules and bookings, in a fixed number of
queries."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.availability import days_availability
from bookings.exceptions import SlotTaken
from bookings.models import Blackout, Booking, BookingStatus, SlotMode, WaitlistEntry
from bookings.services.holds import booking_hold
from bookings.services.waitlist import waitlist_join
from tests.bookings.factories import FacilityFactory, booking_row

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("America/New_York")
# Monday 10 June 2030, noon in the agency's time zone.
NOW = datetime.datetime(2030, 6, 10, 12, 0, tzinfo=TZ)
TUESDAY = datetime.date(2030, 6, 11)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def starts(facility, day=TUESDAY, now=NOW):
    (entry,) = days_availability(facility=facility, first=day, now=now)
    return [slot.start.astimezone(TZ).strftime("%H:%M") for slot in entry.slots]


def test_fixed_slots_follow_each_other_after_the_buffer():
    facility = FacilityFactory(
        slot_mode=SlotMode.FIXED,
        slot_minutes=120,
        min_minutes=120,
        max_minutes=120,
        buffer_minutes=30,
        open_hours=[(1, datetime.time(9), datetime.time(17))],
    )

    assert starts(facility) == ["09:00", "11:30", "14:00"]


def test_free_ranges_offer_every_start_and_the_lengths_that_fit():
    # given: a booking 13:00-14:00, buffer 30 minutes
    facility = FacilityFactory(
        slot_mode=SlotMode.FREE,
        slot_minutes=30,
        min_minutes=60,
        max_minutes=180,
        buffer_minutes=30,
        open_hours=[(1, datetime.time(9), datetime.time(17))],
    )
    booking_row(facility=facility, start=at(TUESDAY, 13))

    # when
    (entry,) = days_availability(facility=facility, first=TUESDAY, now=NOW)
    by_start = {slot.start.astimezone(TZ).strftime("%H:%M"): slot for slot in entry.slots}

    # then: 11:30 is the last start before it (11:30-12:30 + 30 minutes of buffer)
    assert "11:30" in by_start and "12:00" not in by_start
    assert by_start["09:00"].lengths == [60, 90, 120, 150, 180]
    assert by_start["11:00"].lengths == [60, 90]
    assert by_start["11:30"].lengths == [60]
    # the booking's own buffer keeps 14:00-14:30 free of starts
    assert "14:00" not in by_start and "14:30" in by_start
    # a booking must end by closing time
    assert by_start["16:00"].lengths == [60]
    assert "16:30" not in by_start


def test_a_time_people_wait_for_keeps_its_buffer_after_a_cancellation():
    # given: a booking 13:00-14:00 with 30 minutes of buffer, Ana waiting for it; it is
    # cancelled, and Ana is not offered it yet
    facility = FacilityFactory(
        slot_mode=SlotMode.FREE,
        slot_minutes=30,
        min_minutes=60,
        max_minutes=180,
        buffer_minutes=30,
        open_hours=[(1, datetime.time(9), datetime.time(17))],
    )
    taken = booking_row(facility=facility, start=at(TUESDAY, 13))
    waitlist_join(
        facility=facility,
        start=at(TUESDAY, 13),
        minutes=60,
        name="Ana",
        email="ana@example.com",
        now=NOW,
    )
    Booking.objects.filter(pk=taken.pk).update(status=BookingStatus.CANCELLED)

    # then: the offer to Ana needs the buffer after her hour, as the booking did: 14:00 is
    # not free, 14:30 is
    free = starts(facility)
    assert "13:00" not in free and "14:00" not in free and "14:30" in free
    assert "11:30" in free and "12:00" not in free

    # and choosing 14:00 anyway leads to the waitlist, as the page says
    with pytest.raises(SlotTaken, match="People are waiting for this time"):
        booking_hold(
            facility=facility, start=at(TUESDAY, 14), minutes=60, holder_key="k" * 32, now=NOW
        )


def test_a_lapsed_hold_frees_its_slot_at_once():
    facility = FacilityFactory(open_hours=[(1, datetime.time(9), datetime.time(12))])
    booking_row(
        facility=facility,
        start=at(TUESDAY, 9),
        status=BookingStatus.HELD,
        hold_expires_at=NOW,
    )
    booking_row(
        facility=facility,
        start=at(TUESDAY, 10),
        status=BookingStatus.HELD,
        hold_expires_at=NOW + datetime.timedelta(seconds=1),
    )

    assert starts(facility) == ["09:00", "11:00"]


def test_released_bookings_do_not_count():
    facility = FacilityFactory(open_hours=[(1, datetime.time(9), datetime.time(11))])
    booking_row(facility=facility, start=at(TUESDAY, 9), status=BookingStatus.CANCELLED)

    assert starts(facility) == ["09:00", "10:00"]


@pytest.mark.parametrize(("lead_minutes", "first"), [(60, "13:00"), (61, "14:00")])
def test_lead_time_boundary(lead_minutes, first):
    facility = FacilityFactory(lead_minutes=lead_minutes)

    assert starts(facility, day=NOW.date())[0] == first


@pytest.mark.parametrize(("ahead", "open_"), [(10, True), (9, False)])
def test_how_far_ahead_boundary(ahead, open_):
    facility = FacilityFactory(book_ahead_days=ahead)
    day = NOW.date() + datetime.timedelta(days=10)

    (entry,) = days_availability(facility=facility, first=day, now=NOW)

    assert bool(entry.slots) is open_
    assert (entry.closed == "") is open_


def test_closed_dates_holidays_and_closed_weekdays():
    facility = FacilityFactory(
        open_hours=[(d, datetime.time(9), datetime.time(17)) for d in (0, 1, 2, 3, 4)]
    )
    Blackout.objects.create(
        facility=facility,
        starts_on=datetime.date(2030, 6, 12),
        ends_on=datetime.date(2030, 6, 13),
        reason="Roof repairs",
    )
    # when: Tuesday 11 June to Wednesday 19 June (Juneteenth, a federal holiday)
    days = days_availability(facility=facility, first=TUESDAY, days=9, now=NOW)
    closed = {entry.day.isoformat(): entry.closed for entry in days}

    # then
    assert closed["2030-06-11"] == ""
    assert closed["2030-06-12"] == closed["2030-06-13"] == "Roof repairs"
    assert closed["2030-06-14"] == ""
    assert closed["2030-06-15"] == closed["2030-06-16"] == "Closed on this day of the week."
    assert closed["2030-06-19"] == "Closed for a public holiday."
    assert all(not entry.slots for entry in days if entry.closed)


def test_a_facility_open_on_holidays():
    facility = FacilityFactory(closed_on_holidays=False)

    (entry,) = days_availability(facility=facility, first=datetime.date(2030, 6, 19), now=NOW)

    assert entry.closed == "" and entry.slots


def test_queries_do_not_grow_with_bookings():
    facility = FacilityFactory(slot_minutes=30, min_minutes=30)

    def queries() -> int:
        facility.refresh_from_db()
        with CaptureQueriesContext(connection) as captured:
            days_availability(facility=facility, first=TUESDAY, days=7, now=NOW)
        return len(captured)

    few = queries()
    for day in range(7):
        for hour in range(8, 20):
            booking = booking_row(
                facility=facility,
                start=at(TUESDAY + datetime.timedelta(days=day), hour),
                minutes=30,
            )
            if hour % 2:
                # a cancelled time someone waits for
                booking.status = BookingStatus.CANCELLED
                booking.save(update_fields=["status"])
                WaitlistEntry.objects.create(
                    facility=facility,
                    period=booking.period,
                    guest_name="Ana",
                    guest_email="ana@example.com",
                    household_key="email:ana@example.com",
                )

    assert queries() == few <= 4
