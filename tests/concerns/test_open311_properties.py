"""Property-based: random parameters thrown at the Open311 API never cause a server error,
and every refusal is the spec's error list."""

import json
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from concerns import services
from concerns.models import ConcernReport
from tests.accounts.factories import StaffFactory
from tests.concerns.factories import CITY_HALL, pothole_category
from tests.hostile import VALUES, fuzz

pytestmark = pytest.mark.django_db

PARAMETERS = [
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
    "attribute[size]",
    "attribute[size][]",
    "attribute[lane]",
    "attribute[]",
    "service_request_id",
    "start_date",
    "end_date",
    "status",
]

PARAMS = st.dictionaries(st.sampled_from(PARAMETERS), VALUES, max_size=10)


def check(response) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        if response["Content-Type"].startswith("application/json"):
            errors = json.loads(response.content)
        else:
            root = ElementTree.fromstring(response.content)  # noqa: S314 (our own output)
            assert root.tag == "errors"
            errors = [{child.tag: child.text for child in error} for error in root]
        assert len(errors) == 1 and set(errors[0]) == {"code", "description"}
        assert int(errors[0]["code"]) == response.status_code


@pytest.fixture
def api(db):
    pothole_category()
    _key, raw = services.api_key_issue(name="Fuzz", actor=StaffFactory(), requests_per_minute=10**6)
    return raw


@fuzz(150)
@given(params=PARAMS, fmt=st.sampled_from(["json", "xml"]), with_key=st.booleans())
def test_random_posts_never_fail_with_a_server_error(api, params, fmt, with_key):
    if with_key:
        params = {**params, "api_key": api}
    before = ConcernReport.objects.count()
    response = Client().post(reverse("open311:requests", kwargs={"fmt": fmt}), params)
    check(response)
    assert ConcernReport.objects.count() == before + (1 if response.status_code == 200 else 0)


@fuzz(150)
@given(
    params=PARAMS,
    fmt=st.sampled_from(["json", "xml"]),
    endpoint=st.sampled_from(["requests", "services", "discovery"]),
)
def test_random_queries_never_fail_with_a_server_error(api, params, fmt, endpoint):
    check(Client().get(reverse(f"open311:{endpoint}", kwargs={"fmt": fmt}), params))


@fuzz(60)
@given(code=st.text(min_size=1, max_size=40), fmt=st.sampled_from(["json", "xml"]))
def test_random_ids_never_fail_with_a_server_error(api, code, fmt):
    code = code.replace("/", "_")
    for name, key in (("service", "code"), ("request", "reference"), ("token", "token")):
        try:
            path = reverse(f"open311:{name}", kwargs={"fmt": fmt, key: code})
        except Exception:  # noqa: S112 (a value the URL pattern itself refuses)
            continue
        check(Client().get(path))


# --- What the random tests found, kept as plain cases -------------------------------------

LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example.org"  # 259 characters


@pytest.mark.parametrize(
    ("changes", "description"),
    [
        ({"lat": "1e309"}, "lat: Latitude must be between -90 and 90 degrees."),
        ({"lat": "nan"}, "lat: Latitude must be a number in decimal degrees, like 39.7817."),
        ({"long": "-inf"}, "long: Longitude must be a number in decimal degrees, like 39.7817."),
        ({"lat": "1e-400"}, "lat: That place is outside the area we look after."),
        ({"email": LONG_EMAIL}, "email must be 254 characters or fewer."),
    ],
)
def test_a_parameter_the_database_cannot_keep_is_a_400(api, changes, description):
    # given
    params = {
        "api_key": api,
        "service_code": "pothole",
        "lat": str(CITY_HALL[0]),
        "long": str(CITY_HALL[1]),
        "description": "A hole.",
        "attribute[size]": "large",
        **changes,
    }

    # when
    response = Client().post(reverse("open311:requests", kwargs={"fmt": "json"}), params)

    # then
    check(response)
    assert response.status_code == 400
    assert json.loads(response.content)[0]["description"].startswith(description)
    assert ConcernReport.objects.count() == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("name", "key"), [("service", "code"), ("request", "reference")])
def test_a_nul_in_an_id_is_the_specs_404(api, name, key, fmt):
    # given: an id PostgreSQL could not even compare
    path = reverse(f"open311:{name}", kwargs={"fmt": fmt, key: "x\x00y"})

    # when
    response = Client().get(path)

    # then: the API's own error document, not the site's HTML page
    assert response.status_code == 404
    check(response)
