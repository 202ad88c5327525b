"""Hostile input on the report pages: never a server error, always the page again with a
message and what was typed; first the cases found so far, then random input at every form."""

import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from cases.tokens import guest_token
from concerns import services
from concerns.models import ConcernReport
from tests.accounts.factories import UserFactory
from tests.concerns.factories import CITY_HALL, make_report
from tests.hostile import fuzz, keeps_what_was_typed, no_server_error, params

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


# --- Random input at every public page of reports ------------------------------------------

LOCATION = ["address", "latitude", "longitude"]
DETAILS = [
    *LOCATION,
    "description",
    "attribute_size",
    "attribute_lane",
    "use_photo_location",
    "guest_name",
    "guest_email",
    "guest_phone",
]
DETAILS_VALID = {"address": "1 Main Street", "description": "A hole.", "attribute_size": "large"}
FILTERS = ["category", "status", "date_from", "date_to", "page"]
GOOD_PLACE = {"latitude": str(CITY_HALL[0]), "longitude": str(CITY_HALL[1])}


@pytest.fixture(params=["signed out", "signed in"])
def visitor(request, db):
    """The browser of a visitor who is signed out, or of a signed-in resident (who is also
    the reporter of the `reports` fixture's own report)."""
    client = Client()
    if request.param == "signed in":
        client.force_login(UserFactory(email="fuzz@example.org"))
    return client


@pytest.fixture
def reports(category, report_clerk, visitor):
    """An open report, a closed one by a guest (with its signed link), and a closed one by
    the signed-in visitor when there is one."""
    open_report = make_report(category=category, answers={"size": "large"})
    guest = make_report(category=category, answers={"size": "small"}, guest_email="g@example.org")
    services.report_close(report=guest, actor=report_clerk, reason="fixed", public_reason="Done.")
    own = None
    user = visitor.session.get("_auth_user_id")
    if user:
        own = make_report(
            category=category,
            answers={"size": "small"},
            reporter=UserFactory._meta.model.objects.get(pk=user),
        )
        services.report_close(report=own, actor=report_clerk, reason="fixed", public_reason="Done.")
    return {"open": open_report, "guest": guest, "own": own, "token": guest_token(case=guest.case)}


@fuzz(60)
@given(query=params(["q"]), place=params(LOCATION))
def test_random_searches_and_places_never_fail(visitor, category, query, place):
    no_server_error(visitor.get(reverse("concerns:report_start"), query))
    response = visitor.get(reverse("concerns:report_location", args=[category.code]), place)
    no_server_error(response)
    keeps_what_was_typed(response, place)


@fuzz(120)
@given(
    data=params(DETAILS, valid=DETAILS_VALID),
    good_place=st.booleans(),
    method=st.sampled_from(["get", "post"]),
)
def test_random_report_details_never_fail_and_keep_what_was_typed(
    visitor, category, data, good_place, method
):
    if good_place:
        data = {**data, **GOOD_PLACE}
    url = reverse("concerns:report_details", args=[category.code])
    if method == "get":
        response = visitor.get(url, data)
    else:
        place = {key: data[key] for key in LOCATION if isinstance(data.get(key), str)}
        response = visitor.post(f"{url}?{urlencode(place)}", data)
    no_server_error(response)
    if method == "post":
        keeps_what_was_typed(response, data)


@fuzz(80)
@given(
    data=params(["email", "phone", "comment", "rating"], valid={"comment": "Hm.", "rating": "3"}),
    action=st.sampled_from(["follow", "not_fixed", "rate", "guest_not_fixed", "guest_rate"]),
)
def test_random_answers_on_a_report_page_never_fail(visitor, reports, data, action):
    if action.startswith("guest_"):
        url = reverse(f"concerns:{action}", args=[reports["token"]])
    else:
        report = reports["own"] if action != "follow" and reports["own"] else reports["open"]
        url = reverse(f"concerns:{action}", args=[report.case.reference])
    no_server_error(visitor.post(url, data))


@fuzz(60)
@given(
    filters=params(FILTERS),
    reference=st.text(min_size=1, max_size=40).map(lambda text: text.replace("/", "_")),
)
def test_random_lists_and_references_never_fail(visitor, reports, filters, reference):
    no_server_error(visitor.get(reverse("concerns:list"), filters))
    response = visitor.get(reverse("concerns:csv"), filters)
    no_server_error(response)
    b"".join(response.streaming_content)
    for name in ("detail", "report_sent", "guest"):
        no_server_error(visitor.get(reverse(f"concerns:{name}", args=[reference])))
    no_server_error(visitor.get(reverse("concerns:photo", args=[reference, 1])))
