"""The shared rules of a report's location: numbers that are not usable coordinates are
refused with a message, never an exception the page cannot show."""

import pytest
from django.core.exceptions import ValidationError

from concerns.validators import clean_location
from tests.concerns.factories import CITY_HALL


@pytest.mark.parametrize("latitude", ["nan", "NaN", "-inf", "Infinity", "sNaN", "1,5", "N"])
def test_a_coordinate_that_is_not_a_finite_number_is_refused(latitude):
    # when
    with pytest.raises(ValidationError) as refused:
        clean_location(address="", latitude=latitude, longitude=CITY_HALL[1], required=False)

    # then
    assert refused.value.message_dict == {
        "latitude": ["Latitude must be a number in decimal degrees, like 39.7817."]
    }


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        ("90.0000001", "0", "latitude"),
        ("0", "-180.5", "longitude"),
        ("-1000", "0", "latitude"),
        ("1e309", "0", "latitude"),
        ("0", "-1e400", "longitude"),
        ("1" * 40, "0", "latitude"),
    ],
)
def test_a_coordinate_beyond_the_globe_is_refused(latitude, longitude, field):
    with pytest.raises(ValidationError) as refused:
        clean_location(address="", latitude=latitude, longitude=longitude, required=False)

    limit = 90 if field == "latitude" else 180
    assert refused.value.message_dict == {
        field: [f"{field.capitalize()} must be between -{limit} and {limit} degrees."]
    }


@pytest.mark.parametrize("tiny", ["1e-7", "1e-400", "-0"])
def test_a_very_small_coordinate_rounds_to_zero_and_is_outside_the_area(tiny):
    with pytest.raises(ValidationError) as refused:
        clean_location(address="", latitude=tiny, longitude=tiny, required=False)

    assert refused.value.error_dict["latitude"][0].code == "outside_area"
