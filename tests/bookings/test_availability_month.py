"""The month the availability page's calendar shows (with JavaScript): every day of the month
in a grid, the free days marked, each day's free times as the list's own forms; any query
gives a month within what can be booked, in a fixed number of queries."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bookings.models import Blackout
from bookings.windows import month_window
from tests.bookings.factories import FacilityFactory, booking_row

pytestmark = pytest.mark.django_db

TZ = ZoneInfo(settings.TIME_ZONE)


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


def month_url(facility) -> str:
    return reverse("bookings:availability_month", kwargs={"code": facility.code})


def test_the_month_lists_each_day_with_its_free_times_as_the_lists_forms(client):
    # given: 8:00 to 20:00 every day, one hour taken on a day three weeks ahead, one closed
    facility = FacilityFactory(closed_on_holidays=False)
    day = in_days(21)
    closed = day + datetime.timedelta(days=1) if day.day < 28 else day - datetime.timedelta(days=1)
    booking_row(facility=facility, start=at(day, 10))
    Blackout.objects.create(facility=facility, starts_on=closed, ends_on=closed, reason="Repairs")

    # when
    response = client.get(month_url(facility), {"month": day.strftime("%Y-%m"), "length": 60})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert f'data-month="{day:%Y-%m}"' in html
    assert 'role="grid"' in html
    assert f'data-date="{day.isoformat()}"' in html
    # the day's panel: eleven one-hour times (not 10:00), posted to the availability page
    panel = html.split(f'data-times="{day.isoformat()}"')[1].split("data-times=")[0]
    assert panel.count('name="start"') == 11
    assert f'value="{at(day, 9).isoformat()}"' in panel
    assert f'value="{at(day, 10).isoformat()}"' not in panel
    assert 'name="csrfmiddlewaretoken"' in panel
    assert reverse("bookings:availability", kwargs={"code": facility.code}) in panel
    assert "11 free times" in panel
    # the grid says so too, and why the closed day is closed
    cell = html.split(f'data-date="{day.isoformat()}"')[1].split(">")[0]
    assert "portal-cal__day--free" in cell
    closed_cell = html.split(f'data-date="{closed.isoformat()}"')[1].split("</td>")[0]
    assert "Repairs" in closed_cell


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"month": "nonsense"},
        {"month": "1999-01"},
        {"month": "2999-12", "length": "-5"},
        {"month": "2026-13"},
        {"length": "abc"},
        {"month": "\x00"},
    ],
)
def test_any_query_gives_a_month_that_can_be_booked(client, query):
    facility = FacilityFactory(book_ahead_days=90)
    today, horizon = in_days(0), in_days(90)

    response = client.get(month_url(facility), query)

    assert response.status_code == 200
    shown = response.content.decode().split('data-month="')[1][:7]
    assert today.strftime("%Y-%m") <= shown <= horizon.strftime("%Y-%m")


def test_the_first_month_has_no_previous_and_the_last_no_next():
    facility = FacilityFactory(book_ahead_days=60)
    first = month_window(facility=facility, query={})
    last = month_window(facility=facility, query={"month": in_days(60).strftime("%Y-%m")})

    assert first.first == in_days(0).replace(day=1)
    assert first.previous is None and first.next is not None
    assert last.next is None and last.previous is not None


@pytest.mark.parametrize(("first_weekday", "column"), [(0, 3), (1, 2)])
def test_weeks_start_on_the_locales_first_day(first_weekday, column):
    # given: the month of July 2026 starts on a Wednesday
    facility = FacilityFactory(book_ahead_days=365)
    now = datetime.datetime(2026, 7, 1, 12, tzinfo=TZ)

    month = month_window(
        facility=facility, query={"month": "2026-07"}, first_weekday=first_weekday, now=now
    )

    # then: July 1st in the Wednesday column, every week seven cells, 31 days
    assert month.weeks[0].index(datetime.date(2026, 7, 1)) == column
    assert all(len(week) == 7 for week in month.weeks)
    assert month.days == 31


def test_the_week_starts_on_monday_in_spanish(client):
    facility = FacilityFactory()
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "es"})
    response = client.get(month_url(facility))
    html = response.content.decode()
    headers = html.split("<thead>")[1].split("</thead>")[0]
    assert "lunes" in headers.lower(), headers
    assert headers.lower().index("lunes") < headers.lower().index("domingo")


@pytest.mark.parametrize("count", [2, 60])
def test_the_month_reads_a_fixed_number_of_queries(client, django_assert_max_num_queries, count):
    facility = FacilityFactory(closed_on_holidays=True)
    for n in range(count):
        booking_row(facility=facility, start=at(in_days(1 + n // 10), 8 + n % 10))

    with django_assert_max_num_queries(6):
        response = client.get(month_url(facility))

    assert response.status_code == 200


def test_a_draft_or_unknown_facility_has_no_month(client):
    draft = FacilityFactory(published_at=None)
    assert client.get(month_url(draft)).status_code == 404
    assert client.get("/bookings/facilities/nope/availability/month/").status_code == 404


def test_the_availability_page_offers_the_calendar_to_scripts_only(client):
    facility = FacilityFactory()
    response = client.get(reverse("bookings:availability", kwargs={"code": facility.code}))
    html = response.content.decode()
    # hidden until the script fills it; the script carries the page's nonce
    assert f'data-url="{month_url(facility)}"' in html
    assert "data-calendar " in html and " hidden>" in html.split("data-calendar ")[1][:600]
    nonce = response.wsgi_request.csp_nonce
    assert f'<script nonce="{nonce}" src="/static/bookings/calendar.js"></script>' in html
