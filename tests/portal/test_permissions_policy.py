import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))


@pytest.mark.parametrize(
    "url",
    [
        reverse("portal:home"),
        reverse("portal:service_search"),
        "/no-such-page/",
        reverse("account_login"),
    ],
)
def test_every_page_denies_powerful_features(client, url):
    # when
    response = client.get(url)

    # then
    policy = _policy(response)
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "serial",
        "bluetooth",
        "interest-cohort",
        "browsing-topics",
    ):
        assert policy[feature] == "()", feature


def test_the_concern_place_page_may_ask_for_the_position_of_this_site_only(client):
    # given
    from tests.concerns.factories import pothole_category

    category = pothole_category()

    # when
    response = client.get(reverse("concerns:report_location", args=[category.code]))

    # then
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["geolocation"] == "(self)"
    assert (policy["camera"], policy["microphone"]) == ("()", "()")


def test_the_language_cookie_is_http_only_and_same_site(client):
    # when
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})

    # then
    cookie = response.cookies["django_language"]
    assert cookie.value == "es"
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"] is True
