"""The Open311 GeoReport v2 API, tested from the specification: every endpoint in XML and
JSON, every error the spec names, its limits, and the same fields in both formats."""

import datetime
import json
import re
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from concerns import services
from concerns.models import ConcernReport
from tests.concerns.factories import (
    CITY_HALL,
    CategoryFactory,
    add_question,
    jpeg_bytes,
    make_report,
    upload,
)

pytestmark = pytest.mark.django_db

W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def url(name: str, fmt: str = "json", **kwargs) -> str:
    return reverse(f"open311:{name}", kwargs={"fmt": fmt, **kwargs})


def parse_xml(content: bytes):
    return ElementTree.fromstring(content)  # noqa: S314 (the portal's own response)


def xml_to_python(element):
    """An XML response back into the JSON shape, to compare the two formats."""
    children = list(element)
    if not children:
        return element.text or ""
    tags = [child.tag for child in children]
    if element.tag in {
        "services",
        "attributes",
        "values",
        "endpoints",
        "formats",
        "service_requests",
        "errors",
    }:
        return [xml_to_python(child) for child in children]
    assert len(set(tags)) == len(tags), tags
    return {child.tag: xml_to_python(child) for child in children}


def both(client, path_name, method="get", data=None, **kwargs):
    """The same call in JSON and in XML; returns (json_response, xml_response)."""
    call = getattr(client, method)
    return (
        call(url(path_name, "json", **kwargs), data or {}),
        call(url(path_name, "xml", **kwargs), data or {}),
    )


def same_shape(json_value, xml_value) -> bool:
    """Same keys everywhere; XML holds every scalar as text."""
    if isinstance(json_value, dict):
        return (
            isinstance(xml_value, dict)
            and list(json_value) == list(xml_value)
            and all(same_shape(json_value[k], xml_value[k]) for k in json_value)
        )
    if isinstance(json_value, list):
        return (
            isinstance(xml_value, list | str)
            and len(json_value) == (len(xml_value) if isinstance(xml_value, list) else 0)
            and all(same_shape(a, b) for a, b in zip(json_value, xml_value or [], strict=False))
        )
    if isinstance(json_value, bool):
        return xml_value == ("true" if json_value else "false")
    if json_value is None:
        return xml_value == ""
    return str(json_value) == xml_value or float(json_value) == float(xml_value)


def assert_error(response, status: int, description: str) -> None:
    assert response.status_code == status
    if response["Content-Type"].startswith("application/json"):
        assert response.json() == [{"code": status, "description": description}]
    else:
        root = parse_xml(response.content)
        assert root.tag == "errors"
        assert xml_to_python(root) == [{"code": str(status), "description": description}]


@pytest.fixture
def api_key(report_clerk):
    _key, raw = services.api_key_issue(name="Test client", actor=report_clerk)
    return raw


@pytest.fixture
def pothole(category):
    return category


def post_data(key, **changes):
    data = {
        "api_key": key,
        "service_code": "pothole",
        "lat": str(CITY_HALL[0]),
        "long": str(CITY_HALL[1]),
        "description": "Pothole in the bike lane.",
        "attribute[size]": "large",
        "email": "reporter@example.org",
        "first_name": "Pat",
        "last_name": "Doe",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- Discovery and services ----------------------------------------------------------------


def test_discovery_in_both_formats(client):
    # when
    as_json, as_xml = both(client, "discovery")

    # then
    assert as_json["Content-Type"] == "application/json; charset=utf-8"
    assert as_xml["Content-Type"] == "text/xml; charset=utf-8"
    body = as_json.json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"].endswith("/open311/v2")
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    root = parse_xml(as_xml.content)
    assert root.tag == "discovery" and same_shape(body, xml_to_python(root))


def test_service_list_carries_every_field_of_the_spec(client, pothole):
    # given
    CategoryFactory(code="retired", active=False)

    # when
    as_json, as_xml = both(client, "services")

    # then
    assert as_json.json() == [
        {
            "service_code": "pothole",
            "service_name": "Pothole",
            "description": "A problem in the street.",
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "Streets and sidewalks",
        }
    ]
    root = parse_xml(as_xml.content)
    assert root.tag == "services" and same_shape(as_json.json(), xml_to_python(root))


def test_service_definition_lists_attributes_with_values(client, pothole):
    # when
    as_json, as_xml = both(client, "service", code="pothole")

    # then
    body = as_json.json()
    assert body["service_code"] == "pothole"
    assert body["attributes"][0] == {
        "variable": True,
        "code": "size",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "",
        "order": 1,
        "description": "How big is it?",
        "values": [{"key": "small", "name": "Small"}, {"key": "large", "name": "Large"}],
    }
    root = parse_xml(as_xml.content)
    assert root.tag == "service_definition" and same_shape(body, xml_to_python(root))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_and_jurisdiction_are_404(client, pothole, fmt, settings):
    # given
    settings.OPEN311_JURISDICTION_ID = "springfield.example.gov"

    # then
    assert_error(
        client.get(url("service", fmt, code="nothing")),
        404,
        "service_code 'nothing' was not found.",
    )
    assert_error(
        client.get(url("services", fmt), {"jurisdiction_id": "elsewhere"}),
        404,
        "jurisdiction_id 'elsewhere' was not found.",
    )
    ours = client.get(url("services", fmt), {"jurisdiction_id": "springfield.example.gov"})
    empty = client.get(url("services", fmt), {"jurisdiction_id": ""})
    assert (ours.status_code, empty.status_code) == (200, 200)


# --- POST service request ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_posting_a_request_makes_the_same_case_as_the_web(client, pothole, api_key, fmt):
    # when
    response = client.post(url("requests", fmt), post_data(api_key, **{"attribute[lane]": "left"}))

    # then
    assert response.status_code == 200
    report = ConcernReport.objects.get()
    case = report.case
    assert (case.kind, case.status, case.guest_email, case.guest_name) == (
        "concern_report",
        "submitted",
        "reporter@example.org",
        "Pat Doe",
    )
    assert (report.source, report.attributes) == ("api", {"size": "large", "lane": "left"})
    expected = [{"service_request_id": case.reference, "service_notice": "", "account_id": ""}]
    if fmt == "json":
        assert response.json() == expected
    else:
        assert xml_to_python(parse_xml(response.content)) == expected


def test_a_posted_request_is_found_by_its_token_and_its_id(client, pothole, api_key):
    # given
    client.post(url("requests"), post_data(api_key))
    report = ConcernReport.objects.get()

    # when
    by_token = client.get(url("token", token=str(report.token)))
    by_id = client.get(url("request", reference=report.case.reference))

    # then
    assert by_token.json() == [
        {"service_request_id": report.case.reference, "token": str(report.token)}
    ]
    assert [item["service_request_id"] for item in by_id.json()] == [report.case.reference]


def test_multiple_choice_attributes_and_a_photo_through_the_api(client, api_key, db):
    # given
    category = CategoryFactory(code="graffiti")
    add_question(
        category, code="surface", datatype="multivaluelist", values=[("a", "A"), ("b", "B")]
    )

    # when
    response = client.post(
        url("requests"),
        {
            **post_data(api_key, service_code="graffiti"),
            "attribute[surface][]": ["a", "b"],
            "media": upload(jpeg_bytes()),
        },
    )

    # then
    assert response.status_code == 200
    report = ConcernReport.objects.get()
    assert (report.attributes, report.photos.count()) == ({"surface": ["a", "b"]}, 1)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("changes", "status", "description"),
    [
        ({"api_key": None}, 403, "api_key was not provided."),
        ({"api_key": ""}, 403, "api_key was not provided."),
        ({"api_key": "wrong"}, 403, "api_key is not valid."),
        ({"service_code": None}, 400, "service_code was not provided."),
        ({"service_code": "nothing"}, 404, "service_code 'nothing' was not found."),
        ({"jurisdiction_id": "elsewhere"}, 404, "jurisdiction_id 'elsewhere' was not found."),
        (
            {"attribute[size]": None},
            400,
            "attribute[size]: Answer the question: How big is it?",
        ),
        (
            {"attribute[size]": "gigantic"},
            400,
            "attribute[size]: gigantic is not one of the choices for: How big is it?",
        ),
        (
            {"description": "d" * 4001},
            400,
            "description: A description of the problem must be 4000 characters or fewer "
            "(it has 4001).",
        ),
        (
            {"description": "<b>hi</b>"},
            400,
            "description: A description of the problem cannot contain HTML. Remove the text "
            "between < and >.",
        ),
        (
            {"description": "Pothole by the \u202epots sub"},
            400,
            "description: A description of the problem contains invisible formatting "
            "characters, such as text direction marks. Remove them.",
        ),
        (
            {"lat": "45.0", "long": "-93.0"},
            400,
            "lat: That place is outside the area we look after. Check the location, or "
            "contact the agency responsible for it.",
        ),
        ({"long": None}, 400, "lat and long must be given together."),
        (
            {"lat": None, "long": None},
            400,
            "address_string: Enter the address or describe where it is, or give its coordinates.",
        ),
        (
            {"lat": None, "long": None, "address_id": "123"},
            400,
            "address_id is not supported here: send lat and long, or address_string.",
        ),
        ({"email": "not-an-address"}, 400, "email is not a valid e-mail address."),
        ({"phone": "12"}, 400, "phone is not a valid phone number."),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url must be an http or https URL."),
    ],
)
def test_every_post_error_is_the_spec_error_list_and_saves_nothing(
    client, pothole, api_key, fmt, changes, status, description
):
    # when
    response = client.post(url("requests", fmt), post_data(api_key, **changes))

    # then
    assert_error(response, status, description)
    assert (Case.objects.count(), ConcernReport.objects.count()) == (0, 0)


def test_a_photo_that_is_not_an_image_is_refused(client, pothole, api_key):
    response = client.post(
        url("requests"), {**post_data(api_key), "media": upload(b"MZ\x90\x00", name="x.jpg")}
    )
    assert_error(
        response, 400, "media: x.jpg is not a photo we can use: choose a JPG, PNG or WebP image."
    )


def test_a_revoked_key_is_refused(client, pothole, report_clerk):
    # given
    api_key, raw = services.api_key_issue(name="Old", actor=report_clerk)
    services.api_key_revoke(api_key=api_key, actor=report_clerk)

    # then
    assert_error(client.post(url("requests"), post_data(raw)), 403, "api_key is not valid.")


def test_each_key_is_rate_limited_on_its_own(client, pothole, report_clerk):
    # given
    _limited, limited_raw = services.api_key_issue(
        name="Small", actor=report_clerk, requests_per_minute=2
    )
    _other, other_raw = services.api_key_issue(name="Other", actor=report_clerk)

    # when
    statuses = [client.post(url("requests"), post_data(limited_raw)).status_code for _ in "123"]
    other = client.post(url("requests"), post_data(other_raw))

    # then
    assert statuses[:2] == [200, 200]
    assert statuses[2] == 429
    assert other.status_code == 200
    assert ConcernReport.objects.count() == 3


def test_get_is_not_post_and_other_methods_are_refused(client):
    response = client.delete(url("requests"))
    assert_error(response, 405, "Use GET or HEAD or POST here.")
    assert response["Allow"] == "GET, HEAD, POST"


# --- GET service requests -----------------------------------------------------------------


@pytest.fixture
def history(pothole, report_clerk):
    """Three reports: one 100 days old, one closed 10 days ago, one open today."""
    now = timezone.now()
    old, closed, today = (make_report(category=pothole, answers={"size": "small"}) for _ in "123")
    for report, days in ((old, 100), (closed, 10)):
        when = now - datetime.timedelta(days=days)
        ConcernReport.objects.filter(pk=report.pk).update(requested_at=when)
        Case.objects.filter(pk=report.case_id).update(created_at=when, submitted_at=when)
    services.report_close(report=closed, actor=report_clerk, reason="fixed", public_reason="Done.")
    return {"old": old, "closed": closed, "today": today}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["service_request_id"] for item in response.json()]


def test_the_default_query_returns_the_past_90_days_newest_first(client, history):
    assert ids(client.get(url("requests"))) == [
        history["today"].case.reference,
        history["closed"].case.reference,
    ]


def test_every_filter_of_get_requests(client, history):
    # given
    old, closed, today = history["old"], history["closed"], history["today"]
    other = make_report(category=CategoryFactory(code="graffiti"))
    start = (timezone.now() - datetime.timedelta(days=120)).isoformat()
    end = (timezone.now() - datetime.timedelta(days=50)).isoformat()

    # then
    assert ids(client.get(url("requests"), {"status": "open"})) == [
        other.case.reference,
        today.case.reference,
    ]
    assert ids(client.get(url("requests"), {"status": "closed"})) == [closed.case.reference]
    assert ids(
        client.get(url("requests"), {"status": "open,closed", "service_code": "pothole"})
    ) == [
        today.case.reference,
        closed.case.reference,
    ]
    assert ids(client.get(url("requests"), {"start_date": start, "end_date": end})) == [
        old.case.reference
    ]
    assert ids(
        client.get(
            url("requests"),
            {
                "service_request_id": f"{old.case.reference},{today.case.reference}",
                "status": "closed",
            },
        )
    ) == [today.case.reference, old.case.reference]
    assert ids(
        client.get(url("requests"), {"status": "", "service_code": "", "start_date": ""})
    ) == [
        other.case.reference,
        today.case.reference,
        closed.case.reference,
    ]


def test_a_service_request_carries_every_field_with_offsets(client, history):
    # when
    item = client.get(url("request", reference=history["closed"].case.reference)).json()[0]

    # then
    assert list(item) == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    assert (item["status"], item["status_notes"], item["agency_responsible"]) == (
        "closed",
        "Done.",
        "Public Works",
    )
    assert W3C.match(item["requested_datetime"]) and W3C.match(item["updated_datetime"])
    assert (item["lat"], item["long"]) == (float(CITY_HALL[0]), float(CITY_HALL[1]))


def test_the_zipcode_is_read_from_the_end_of_the_address(client, pothole):
    # given: a ZIP code, a ZIP+4, none, and a number that only ends in five digits
    addresses = {
        "1 Main Street, Springfield, IL 62704": "62704",
        "3 Main Street, Springfield, IL 62704-1234": "62704",
        "5 Main Street": "",
        "Lot 162704": "",
    }
    references = {
        make_report(
            category=pothole, address=address, answers={"size": "small"}
        ).case.reference: zip_code
        for address, zip_code in addresses.items()
    }

    # when
    as_json, as_xml = both(client, "requests")
    one = client.get(url("request", reference=next(iter(references)))).json()

    # then
    assert {item["service_request_id"]: item["zipcode"] for item in as_json.json()} == references
    assert {
        item["service_request_id"]: item["zipcode"]
        for item in xml_to_python(parse_xml(as_xml.content))
    } == references
    assert one[0]["zipcode"] == "62704"


def test_xml_and_json_carry_the_same_requests(client, history):
    make_report(
        category=history["old"].category, answers={"size": "large"}, photos=[upload(jpeg_bytes())]
    )
    as_json, as_xml = both(client, "requests")
    root = parse_xml(as_xml.content)
    assert root.tag == "service_requests"
    assert same_shape(as_json.json(), xml_to_python(root))
    assert as_json.json()[0]["media_url"].endswith("/photos/1/")


def test_results_are_capped_at_the_limit(client, pothole, settings):
    # given
    settings.OPEN311_MAX_RESULTS = 2
    made = [make_report(category=pothole, answers={"size": "small"}) for _ in "123"]

    # then
    assert ids(client.get(url("requests"))) == [made[2].case.reference, made[1].case.reference]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("params", "status", "description"),
    [
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            400,
            "start_date and end_date may be at most 90 days apart.",
        ),
        (
            {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            400,
            "end_date must not be before start_date.",
        ),
        (
            {"start_date": "last tuesday"},
            400,
            "start_date must be a W3C date and time, like 2026-03-01T14:30:00-05:00.",
        ),
        ({"status": "pending"}, 400, "status must be open or closed, not 'pending'."),
        ({"service_code": "nothing"}, 404, "service_code 'nothing' was not found."),
        ({"jurisdiction_id": "elsewhere"}, 404, "jurisdiction_id 'elsewhere' was not found."),
    ],
)
def test_every_get_error_is_the_spec_error_list(client, pothole, fmt, params, status, description):
    assert_error(client.get(url("requests", fmt), params), status, description)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_and_token_are_404(client, fmt):
    assert_error(
        client.get(url("request", fmt, reference="CON-1999-000001")),
        404,
        "service_request_id 'CON-1999-000001' was not found.",
    )
    assert_error(
        client.get(url("token", fmt, token="not-a-token")),
        404,
        "token 'not-a-token' was not found.",
    )


def test_an_offset_in_a_query_string_survives_url_decoding(client, history):
    # "+05:00" arrives as " 05:00" when a client forgets to encode the plus sign.
    start = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    response = client.get(url("requests") + f"?start_date={start}+00:00")
    assert response.status_code == 200
    assert json.loads(response.content) is not None
