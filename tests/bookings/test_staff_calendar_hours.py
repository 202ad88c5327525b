"""Staff's facility calendar shows the facility's opening hours of each day, and why a day is
closed (a public holiday, a closed date, a weekday without hours), as visitors see them;
still one query for the bookings whatever the window."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Blackout
from bookings.selectors_staff import staff_calendar
from tests.bookings.checkout_support import local_start
from tests.bookings.factories import FacilityFactory, booking_row
from tests.bookings.staff_support import parks, parks_staff

pytestmark = pytest.mark.django_db

# Monday 17 June 2030; Wednesday 19 June is Juneteenth, a federal holiday.
MONDAY = datetime.date(2030, 6, 17)
NINE, NOON, ONE, FIVE = (datetime.time(h) for h in (9, 12, 13, 17))


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    parks()


def weekday_facility(**kwargs):
    """Open 9 to 5 on weekdays, closed for lunch on Fridays, closed at weekends."""
    hours = [(d, NINE, FIVE) for d in (0, 1, 2, 3)] + [(4, NINE, NOON), (4, ONE, FIVE)]
    return FacilityFactory(open_hours=hours, **kwargs)


def test_each_day_has_its_hours_or_the_reason_it_is_closed():
    # given
    facility = weekday_facility()
    Blackout.objects.create(
        facility=facility,
        starts_on=MONDAY + datetime.timedelta(days=1),
        ends_on=MONDAY + datetime.timedelta(days=1),
        reason="Floor resurfacing",
    )

    # when
    week = staff_calendar(facility=facility, first=MONDAY, days=7)

    # then
    assert [(day.day.isoformat(), day.hours, day.closed) for day in week] == [
        ("2030-06-17", [(NINE, FIVE)], ""),
        ("2030-06-18", [], "Floor resurfacing"),
        ("2030-06-19", [], "Closed for a public holiday."),
        ("2030-06-20", [(NINE, FIVE)], ""),
        ("2030-06-21", [(NINE, NOON), (ONE, FIVE)], ""),
        ("2030-06-22", [], "Closed on this day of the week."),
        ("2030-06-23", [], "Closed on this day of the week."),
    ]


def test_a_facility_open_on_holidays_shows_its_hours_that_day():
    facility = weekday_facility(closed_on_holidays=False)
    (holiday,) = staff_calendar(
        facility=facility, first=MONDAY + datetime.timedelta(days=2), days=1
    )
    assert (holiday.hours, holiday.closed) == ([(NINE, FIVE)], "")


@pytest.mark.parametrize("days", [1, 7])
def test_the_bookings_are_still_read_in_one_query(days):
    # given: bookings on several days of the week
    facility = weekday_facility()
    for offset in (0, 3, 4):
        booking_row(
            facility=facility, start=local_start(MONDAY + datetime.timedelta(days=offset), 10)
        )
    facility = type(facility).objects.get(pk=facility.pk)

    # when
    with CaptureQueriesContext(connection) as queries:
        week = staff_calendar(facility=facility, first=MONDAY, days=days)

    # then: one query reads bookings; hours, closed dates and holidays a fixed few more
    booking_reads = [
        q["sql"] for q in queries.captured_queries if 'FROM "bookings_booking"' in q["sql"]
    ]
    assert len(booking_reads) == 1
    assert len(queries.captured_queries) <= 4
    assert sum(len(day.entries) for day in week) == (3 if days == 7 else 1)


def test_the_calendar_page_shows_the_hours_and_closed_days(client):
    # given
    facility = weekday_facility()
    client.force_login(parks_staff(mfa=True))
    url = reverse("admin:bookings_booking_calendar", args=[facility.pk])

    # when
    week = client.get(url, {"day": MONDAY.isoformat(), "span": "week"})
    friday = client.get(url, {"day": (MONDAY + datetime.timedelta(days=4)).isoformat()})

    # then
    assert week.status_code == friday.status_code == 200
    assert "Opening hours: 9 a.m. to 5 p.m." in week.text
    assert "Closed for a public holiday." in week.text
    assert week.text.count("Closed on this day of the week.") == 2
    assert "Opening hours: 9 a.m. to noon; 1 p.m. to 5 p.m." in friday.text
