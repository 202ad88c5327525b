"""Areas: a boundary pasted into the admin that no drawing tool makes (JSON nested past any
polygon, numbers too large for a float, coordinates that are not numbers, bytes that are not
UTF-8) is refused on the boundary with a reason, never a server error nor stored as it is."""

import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from cases.admin.areas import AreaForm
from cases.areas.boundaries import boundary_parse
from cases.areas.models import Area
from tests.accounts.factories import UserFactory
from tests.hostile import fuzz, no_server_error

ADD = "/admin/cases/area/add/"


def square(west, south, east, north):
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def polygon(ring) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


@pytest.fixture
def administrator(client, db):
    person = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(person, generate_totp_secret())
    client.force_login(person)
    return person


def refusal(text) -> str:
    with pytest.raises(ValidationError) as refused:
        boundary_parse(text)
    return refused.value.messages[0]


def test_json_nested_deeper_than_a_polygon_is_refused_not_a_server_error(client, administrator):
    # given: a paste of brackets nested far deeper than Python's JSON reader goes
    deep = "[" * 100_000 + "]" * 100_000

    # when
    response = client.post(ADD, {"name": "Ward 9", "code": "ward-9", "boundary": deep})

    # then: the form comes back with the reason on the boundary, and nothing is saved
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["boundary"]
    assert errors == ["The boundary is not valid GeoJSON: it is nested too deeply."]
    assert not Area.objects.exists()
    assert refusal('{"a":' * 100_000 + "1" + "}" * 100_000) == errors[0]


def test_a_number_too_large_for_a_float_is_refused_not_a_server_error(client, administrator):
    # given: a longitude of 400 digits (JSON has no limit; a float stops near 1.8e308)
    huge = polygon([[10**400, 0], [1, 0], [1, 1], [0, 1], [10**400, 0]])

    # when
    response = client.post(ADD, {"name": "Ward 9", "code": "ward-9", "boundary": huge})

    # then
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["boundary"]
    assert errors[0].startswith("The boundary's positions must be numbers")
    assert not Area.objects.exists()


@pytest.mark.parametrize(
    "ring",
    [
        [["0", "0"], ["1", "0"], ["1", "1"], ["0", "1"], ["0", "0"]],
        [[False, False], [True, False], [True, True], [False, True], [False, False]],
        [[0, 0], [1, 0], [1, "1"], [0, 1], [0, 0]],
    ],
    ids=["text", "true-false", "one-text"],
)
def test_coordinates_that_are_not_numbers_are_refused_not_stored(ring):
    # A polygon of "0" and "1" (or true and false) is one Shapely reads as numbers, but the
    # stored GeoJSON would be neither numbers nor what the map draws.
    assert refusal(polygon(ring)).startswith(
        "The boundary's positions must be numbers: [longitude, latitude]"
    )


def test_a_valid_boundary_is_kept_as_numbers(db):
    form = AreaForm(
        data={"name": "Ward 9", "code": "ward-9", "boundary": polygon(square(0, 0, 1.5, 1))}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["boundary"] == {
        "type": "Polygon",
        "coordinates": [square(0, 0, 1.5, 1)],
    }


def test_bytes_that_are_not_utf8_come_back_as_a_refusal(client, administrator):
    body = (
        b"name=Ward+9&code=ward-9&boundary=%7B%22type%22%3A%22%FF%FEPolygon%22%7D"
        b"&postal_codes=%C3%28"
    )
    response = client.generic("POST", ADD, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "boundary" in response.context["adminform"].form.errors
    assert not Area.objects.exists()


# JSON-shaped text near a polygon: the pieces drawing tools write, and the ones they never do.
_NUMBERS = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["0", "1e999", True, None, [], {}]),
)
_POSITION = st.lists(_NUMBERS, min_size=0, max_size=4)
_RING = st.lists(_POSITION, min_size=0, max_size=6)
_COORDINATES = st.one_of(
    st.lists(_RING, max_size=3),
    st.lists(st.lists(_RING, max_size=2), max_size=2),
    _NUMBERS,
)
_GEOMETRY = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Polygon", "MultiPolygon", "Feature", "Point", "", 1]),
        "coordinates": _COORDINATES,
    }
)
_PASTED = st.one_of(
    _GEOMETRY.map(lambda value: json.dumps(value, allow_nan=True)),
    _GEOMETRY.map(lambda value: json.dumps({"type": "Feature", "geometry": value})),
    st.text(alphabet='[]{}":,0123456789.-eE NaInfity', max_size=200),
    st.integers(min_value=1, max_value=5000).map(lambda depth: "[" * depth + "]" * depth),
)


@fuzz(max_examples=300)
@given(text=_PASTED)
def test_any_pasted_boundary_is_parsed_or_refused_with_a_reason(text):
    try:
        boundary = boundary_parse(text)
    except ValidationError as refused:
        assert refused.messages[0]
        return
    if boundary is None:
        return
    # what is kept is GeoJSON PostgreSQL stores: finite numbers only
    json.dumps(boundary, allow_nan=False)
    assert all(type(number) in (int, float) for number in _leaves(boundary["coordinates"]))


def _leaves(value):
    if isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


@fuzz(max_examples=40)
@given(text=_PASTED)
def test_the_admin_answers_any_pasted_boundary_without_a_server_error(client, administrator, text):
    response = client.post(ADD, {"name": "Ward 9", "code": "ward-9", "boundary": text})
    no_server_error(response)
    Area.objects.all().delete()


@pytest.mark.parametrize(
    "pasted",
    [r'{"type": "\ud800"}', r'{"type": "Feature", "geometry": {"type": "Poly\udfffgon"}}'],
    ids=["lone-surrogate", "low-surrogate-in-a-feature"],
)
def test_a_type_escaped_to_half_a_character_is_refused_not_a_server_error(
    client, administrator, pasted
):
    # \ud800 is valid JSON but half a UTF-16 pair: no UTF-8 page can show it as it is
    response = client.post(ADD, {"name": "Ward 9", "code": "ward-9", "boundary": pasted})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["boundary"]
    assert errors[0].startswith("The boundary must be a GeoJSON Polygon or MultiPolygon, not ")
    response.content.decode("utf-8")
    assert not Area.objects.exists()
