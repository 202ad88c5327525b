"""Hostile input on the report pages: never a server error, always the page again with a
message and what was typed; first the cases found so far, then random input at every form."""

import re

import pytest
from django.urls import reverse

from concerns.models import ConcernReport
from tests.accounts.factories import UserFactory
from tests.concerns.factories import CITY_HALL, make_report

pytestmark = pytest.mark.django_db

NOT_NUMBERS = ["nan", "-inf", "Infinity"]
TOO_LARGE = ["1e309", "1e400", "9" * 19]
LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example.org"  # 259 characters


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("latitude", NOT_NUMBERS)
def test_a_coordinate_that_is_not_a_usable_number_is_explained_on_the_place_page(
    client, category, latitude
):
    # when
    response = client.get(
        reverse("concerns:report_location", args=[category.code]),
        {"latitude": latitude, "longitude": str(CITY_HALL[1])},
    )

    # then
    assert response.status_code == 200
    assert "Latitude must be a number in decimal degrees, like 39.7817." in text(response)
    assert f'value="{latitude}"' in text(response)


@pytest.mark.parametrize("latitude", TOO_LARGE)
def test_a_coordinate_beyond_the_globe_is_explained_on_the_place_page(client, category, latitude):
    response = client.get(
        reverse("concerns:report_location", args=[category.code]),
        {"latitude": latitude, "longitude": str(CITY_HALL[1])},
    )
    assert response.status_code == 200
    assert "Latitude must be between -90 and 90 degrees." in text(response)


@pytest.mark.parametrize("latitude", [*NOT_NUMBERS, *TOO_LARGE, "1e-400", "9" * 40])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_coordinate_that_is_not_a_usable_number_on_the_details_page_goes_back_to_the_place(
    client, category, latitude, method
):
    # when
    response = getattr(client, method)(
        reverse("concerns:report_details", args=[category.code])
        + f"?latitude={latitude}&longitude={CITY_HALL[1]}",
        {"latitude": latitude, "longitude": str(CITY_HALL[1]), "description": "A hole."},
    )

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("concerns:report_location", args=[category.code])
    )
    assert ConcernReport.objects.count() == 0


def test_a_guest_e_mail_address_too_long_to_keep_is_explained_and_kept(client, category):
    # when
    response = client.post(
        reverse("concerns:report_details", args=[category.code]) + "?address=1+Main+Street",
        {
            "address": "1 Main Street",
            "description": "A deep pothole.",
            "attribute_size": "large",
            "guest_email": LONG_EMAIL,
        },
    )

    # then
    assert response.status_code == 200
    assert "Ensure this value has at most 254 characters (it has 259)." in text(response)
    assert f'value="{LONG_EMAIL}"' in text(response)
    assert ConcernReport.objects.count() == 0


def test_an_e_mail_address_too_long_to_keep_cannot_follow_a_report(client, category):
    # given
    report = make_report(category=category, answers={"size": "large"})

    # when
    response = client.post(
        reverse("concerns:follow", args=[report.case.reference]), {"email": LONG_EMAIL}
    )

    # then
    assert response.status_code == 400
    assert "Ensure this value has at most 254 characters (it has 259)." in text(response)
    assert report.followers.count() == 0


def test_a_resident_who_follows_needs_no_address(client, category):
    report = make_report(category=category, answers={"size": "large"})
    client.force_login(UserFactory())
    response = client.post(
        reverse("concerns:follow", args=[report.case.reference]), {"email": LONG_EMAIL}
    )
    assert response.status_code == 302
    assert report.followers.count() == 1
