"""Areas: a boundary pasted into the admin that no drawing tool makes (JSON nested past any
polygon, numbers too large for a float, coordinates that are not numbers, bytes that are not
UTF-8) is refused on the boundary with a reason, never a server error nor stored as it is."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import ValidationError

from cases.areas.boundaries import boundary_parse
from cases.areas.models import Area
from tests.accounts.factories import UserFactory

ADD = "/admin/cases/area/add/"


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

