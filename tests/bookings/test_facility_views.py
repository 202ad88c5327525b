"""Public facility pages: the list, a facility's page, its free times without JavaScript and
holding a time from them; what a visitor can put in the address never gives a 500, drafts
and unknown codes are a 404, and the number of queries does not grow with the bookings."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bookings.models import (
    Blackout,
    Booking,
    BookingStatus,
    CancellationTier,
    FacilityKind,
    SlotMode,
)
from bookings.selectors_checkout import SESSION_HOLDER_KEY
from tests.accounts.factories import UserFactory
from tests.bookings.factories import FacilityFactory, booking_row

pytestmark = pytest.mark.django_db

TZ = ZoneInfo(settings.TIME_ZONE)


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


def pavilion(**kwargs):
    kwargs.setdefault("closed_on_holidays", False)
    kwargs.setdefault("code", "oak-pavilion")
    kwargs.setdefault("name", "Oak Park pavilion")
    return FacilityFactory(**kwargs)


def availability(facility, **query) -> str:
    return reverse("bookings:availability", kwargs={"code": facility.code})


def choose(client, facility, start, minutes=60, query=""):
    url = availability(facility) + query
    return client.post(url, {"start": start.isoformat(), "minutes": minutes})


# The list and the facility's page


def test_the_list_shows_published_facilities_in_the_readers_language(client):
    # given
    pavilion(name_es="Pabellón del parque Oak", location="12 Oak St", capacity=80)
    FacilityFactory(name="Draft gym", published_at=None)

    # when
    english = client.get(reverse("bookings:facilities"))
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "es"})
    spanish = client.get(reverse("bookings:facilities"))

    # then
    assert english.status_code == 200
    assert "bookings/facility_list.html" in [t.name for t in english.templates]
    html = english.content.decode()
    assert "Oak Park pavilion" in html and "12 Oak St" in html and "80 people" in html
    assert "From $25.00 per hour" in html
    assert "Draft gym" not in html
    assert "Pabellón del parque Oak" in spanish.content.decode()


def test_the_facility_page_states_hours_prices_and_the_policy_in_words(client):
    # given
    facility = pavilion(
        description="A covered pavilion with six tables.",
        accessibility="Step-free path from the parking lot.",
        deposit_cents=5000,
        needs_approval=True,
        open_hours=[(5, datetime.time(9), datetime.time(17))],
    )
    CancellationTier.objects.bulk_create(
        [
            CancellationTier(facility=facility, days_before=30, percent=100),
            CancellationTier(facility=facility, days_before=11, percent=50),
            CancellationTier(facility=facility, days_before=0, percent=0),
        ]
    )

    # when
    response = client.get(facility.get_absolute_url())

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Step-free path from the parking lot." in html
    assert "Residents: $25.00 per hour" in html and "Non-residents: $40.00 per hour" in html
    assert "Refundable deposit: $50.00" in html
    assert "30 days or more before the day of the booking" in html
    assert "11 to 29 days before" in html and "50% of the fee back" in html
    assert "Less than 11 days before, or on the day" in html
    assert "Staff approve each booking" in html
    assert "If you cancel before they approve it, everything you paid comes back." in html
    assert "9 a.m. to 5 p.m." in html and html.count("Closed</td>") == 6


@pytest.mark.parametrize(
    "path",
    [
        "/bookings/facilities/no-such-place/",
        "/bookings/facilities/no-such-place/availability/",
        "/bookings/facilities/draft-room/",
        "/bookings/facilities/draft-room/availability/",
        "/bookings/facilities/draft-room/photos/1/",
    ],
)
def test_unknown_and_draft_facilities_are_not_found(client, path):
    FacilityFactory(code="draft-room", published_at=None)

    assert client.get(path).status_code == 404


# Free times


def test_free_times_of_a_day_are_buttons_in_forms_without_the_taken_ones(client):
    # given: a booking 10-11 on the day
    facility = pavilion()
    day = in_days(20)
    booking_row(facility=facility, start=at(day, 10))

    # when
    response = client.get(availability(facility), {"day": day.isoformat()})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('name="start"') == 11  # 8:00 to 19:00 but 10:00
    assert f'value="{at(day, 9).isoformat()}"' in html
    assert f'value="{at(day, 10).isoformat()}"' not in html
    assert "9 a.m. to 10 a.m." in html
    assert f'aria-labelledby="day-{day.isoformat()}"' in html
    assert "Previous day" in html and "Next day" in html


def test_a_week_lists_seven_days_and_says_why_a_day_is_closed(client):
    # given
    facility = pavilion()
    day = in_days(20)
    Blackout.objects.create(facility=facility, starts_on=day, ends_on=day, reason="Roof repairs")

    # when
    response = client.get(availability(facility), {"day": day.isoformat(), "view": "week"})

    # then
    html = response.content.decode()
    assert html.count('<h2 id="day-') == 7
    assert "Roof repairs" in html and "Next week" in html


@pytest.mark.parametrize(
    "query",
    [
        {"day": "yesterday"},
        {"day": "0001-01-01"},
        {"day": "9999-12-31"},
        {"day": "2026-02-30"},
        {"day": "", "view": "month", "length": "lots"},
        {"length": "-60"},
        {"day": "\x00"},
    ],
)
def test_any_query_shows_a_page(client, query):
    facility = pavilion()

    response = client.get(availability(facility), query)

    assert response.status_code == 200


def test_the_first_page_offers_no_previous_day(client):
    facility = pavilion()

    html = client.get(availability(facility)).content.decode()

    assert "Previous day" not in html


def test_free_ranges_are_listed_for_the_length_asked(client):
    # given: one to four hours; a booking 12-13
    facility = pavilion(slot_mode=SlotMode.FREE, min_minutes=60, max_minutes=240)
    day = in_days(20)
    booking_row(facility=facility, start=at(day, 12))

    # when
    response = client.get(availability(facility), {"day": day.isoformat(), "length": "180"})

    # then: 3 hours fit from 8 and 9, not from 10 or 11; from 13 to 17
    html = response.content.decode()
    starts = [hour for hour in range(8, 20) if f'value="{at(day, hour).isoformat()}"' in html]
    assert starts == [8, 9, 13, 14, 15, 16, 17]
    assert html.count('name="minutes" value="180"') == 7
    assert '<option value="180" selected>' in html


# Choosing a time


def test_a_guest_chooses_a_time_and_goes_to_checkout_holding_it(client):
    # given
    facility = pavilion()
    start = at(in_days(20), 9)

    # when
    response = choose(client, facility, start)

    # then
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "bookings:checkout", kwargs={"reference": booking.reference}
    )
    assert booking.status == BookingStatus.HELD and booking.user is None
    assert booking.holder_key == client.session[SESSION_HOLDER_KEY]
    assert client.get(response["Location"]).status_code == 200


def test_a_resident_holds_for_their_account(client):
    # given
    user = UserFactory()
    client.force_login(user)
    facility = pavilion()

    # when
    response = choose(client, facility, at(in_days(20), 9))

    # then
    assert Booking.objects.get().user == user
    assert client.get(response["Location"]).status_code == 200


def test_choosing_again_gives_the_first_hold_back(client):
    # given
    facility = pavilion()
    choose(client, facility, at(in_days(20), 9))

    # when
    choose(client, facility, at(in_days(20), 11))

    # then
    statuses = dict(Booking.objects.values_list("period__startswith", "status"))
    assert statuses == {
        at(in_days(20), 9): BookingStatus.EXPIRED,
        at(in_days(20), 11): BookingStatus.HELD,
    }


def test_a_taken_time_rerenders_the_day_with_the_nearest_free_times(client):
    # given: someone booked 10-11 since the page was shown
    facility = pavilion()
    day = in_days(20)
    booking_row(facility=facility, start=at(day, 10))

    # when
    response = choose(client, facility, at(day, 10))

    # then
    html = response.content.decode()
    assert response.status_code == 409
    assert "just taken by someone else" in html
    assert "Free times nearby" in html
    assert html.startswith("<!") and "<title>Error:" in html
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "minutes", "message"),
    [
        (lambda: at(in_days(20), 21), 60, "outside the opening hours"),
        (lambda: at(in_days(-2), 10), 60, "That time has passed"),
        (lambda: at(in_days(20), 10), 90, "slots of 60 minutes"),
        (lambda: at(in_days(200), 10), 60, "Bookings open 90 days ahead"),
    ],
)
def test_a_time_the_rules_refuse_rerenders_with_the_reason(client, start, minutes, message):
    facility = pavilion()

    response = choose(client, facility, start(), minutes)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"start": "tomorrow", "minutes": "60"}, {"start": "2030-01-01T10:00", "minutes": "60"}],
)
def test_a_forged_choice_rerenders_the_list(client, data):
    facility = pavilion()

    response = client.post(availability(facility), data)

    assert response.status_code == 400
    assert "Choose a start time from the list." in response.content.decode()


def test_choosing_needs_the_csrf_token():
    from django.test import Client

    facility = pavilion()
    client = Client(enforce_csrf_checks=True)

    response = choose(client, facility, at(in_days(20), 9))

    assert response.status_code == 403
    assert not Booking.objects.exists()


# Queries do not grow with the bookings


def _book_many(facility, count: int) -> None:
    for offset in range(count):
        booking_row(facility=facility, start=at(in_days(1 + offset // 10), 8 + offset % 10))


@pytest.mark.parametrize("count", [2, 40])
def test_pages_read_a_fixed_number_of_queries(client, django_assert_max_num_queries, count):
    # given
    facility = pavilion()
    CancellationTier.objects.create(facility=facility, days_before=30, percent=100)
    pavilion(code="gym", name="Gym", kind=FacilityKind.GYM)
    _book_many(facility, count)
    week = {"day": in_days(1).isoformat(), "view": "week"}

    # when / then: the same ceiling at 2 and 40 bookings
    with django_assert_max_num_queries(3):
        client.get(reverse("bookings:facilities"))
    with django_assert_max_num_queries(6):
        client.get(facility.get_absolute_url())
    with django_assert_max_num_queries(7):
        client.get(availability(facility), week)


# Found from the home page and the service search


def test_the_home_page_links_the_facility_list(client):
    html = client.get(reverse("portal:home")).content.decode()

    assert f'href="{reverse("bookings:facilities")}"' in html


def test_the_service_search_finds_a_published_facility_in_either_language(client):
    # given
    facility = pavilion(name_es="Pabellón del parque Oak")
    FacilityFactory(name="Hidden annex", published_at=None)

    # when
    found = client.get(reverse("portal:service_search"), {"q": "pabellón"})
    draft = client.get(reverse("portal:service_search"), {"q": "hidden annex"})

    # then
    assert facility.get_absolute_url() in found.content.decode()
    assert "Hidden annex" not in draft.content.decode()
