"""Bookings' pages in the staff workbench's navigation, by what the person's roles reach."""

import pytest
from django.urls import reverse

from tests.bookings.staff_support import library_staff, parks, parks_staff

pytestmark = pytest.mark.django_db

BOOKINGS_LINKS = [
    ("Bookings waiting for approval", "admin:bookings_booking_approvals"),
    ("Facility calendars", "admin:bookings_booking_calendars"),
    ("Deposits to settle after the event", "admin:bookings_booking_deposits"),
    ("Facility bookings", "admin:bookings_booking_changelist"),
]


def _bookings_links(response):
    urls = {reverse(name) for _label, name in BOOKINGS_LINKS}
    return [
        (item.label, item.url) for item in response.context["workbench_nav"] if item.url in urls
    ]


@pytest.fixture(autouse=True)
def _parks():
    parks()


def test_parks_clerks_see_every_bookings_page_in_the_workbench(client):
    # given
    client.force_login(parks_staff("clerk", mfa=True))

    # when
    response = client.get(reverse("workbench:home"))

    # then
    assert response.status_code == 200
    assert _bookings_links(response) == [(label, reverse(name)) for label, name in BOOKINGS_LINKS]
    for _label, name in BOOKINGS_LINKS:
        assert f'href="{reverse(name)}"' in response.content.decode()


def test_an_inspector_sees_the_calendars_but_not_the_decisions(client):
    # given: an inspector may see Parks' time, but decides nothing
    client.force_login(parks_staff("inspector", mfa=True))

    # when
    response = client.get(reverse("workbench:home"))

    # then
    assert _bookings_links(response) == [
        ("Facility calendars", reverse("admin:bookings_booking_calendars")),
        ("Facility bookings", reverse("admin:bookings_booking_changelist")),
    ]


def test_staff_whose_roles_do_not_reach_the_facilities_see_no_bookings_page(client):
    # given: a cashier in Parks (money only) and a clerk of another department
    for person in (parks_staff("cashier", mfa=True), library_staff(mfa=True)):
        client.force_login(person)

        # when
        response = client.get(reverse("workbench:home"))

        # then
        assert response.status_code == 200
        assert _bookings_links(response) == []
        assert "Bookings waiting for approval" not in response.content.decode()


def test_the_calendars_page_listed_opens_for_the_clerk(client):
    # given
    client.force_login(parks_staff("clerk", mfa=True))
    url = reverse("admin:bookings_booking_calendars")

    # when
    response = client.get(url)

    # then
    assert response.status_code == 200
