"""portal.query_days.query_day reads any text as a day its page can step from (the day
before and after it), or as no day; and the day pages that use it (the inspector's day, the
inspectors' routes, a facility's staff calendar) take any ?day= without a server error."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from portal.query_days import EARLIEST, LATEST, query_day
from tests.bookings.factories import FacilityFactory
from tests.bookings.staff_support import library_staff, parks_staff
from tests.hostile import VALUES, fuzz, no_server_error

DAYS = st.one_of(
    VALUES,
    st.dates().map(datetime.date.isoformat),
    st.sampled_from(["1899-12-31", "1900-01-01", "2999-12-31", "3000-01-01", "20261207"]),
)


@given(value=st.one_of(st.none(), DAYS.filter(lambda value: isinstance(value, str))))
@fuzz(max_examples=200)
def test_any_text_is_no_day_or_a_day_with_a_day_before_and_after(value):
    day = query_day(value)

    assert day is None or EARLIEST <= day <= LATEST
    if day is not None:
        assert day - datetime.timedelta(days=7) < day + datetime.timedelta(days=7)


@pytest.mark.django_db
@given(
    query=st.fixed_dictionaries(
        {}, optional={"day": DAYS, "span": st.one_of(VALUES, st.just("week"))}
    )
)
@fuzz(max_examples=30)
def test_a_facilitys_staff_calendar_takes_any_day(query):
    facility = FacilityFactory()
    client = Client()
    client.force_login(parks_staff(mfa=True))
    url = reverse("admin:bookings_booking_calendar", args=[facility.pk])

    response = client.get(url, query)

    no_server_error(response)
    assert response.status_code == 200


@pytest.mark.django_db
def test_staff_of_another_department_get_no_facilitys_calendar():
    facility = FacilityFactory()
    client = Client()
    client.force_login(library_staff(mfa=True))

    response = client.get(reverse("admin:bookings_booking_calendar", args=[facility.pk]))

    assert response.status_code in (403, 404)
