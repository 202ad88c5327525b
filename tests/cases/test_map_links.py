"""cases.map_links: the geo: link a staff page opens a case's place with, by its point or,
with none, by its address."""

from decimal import Decimal

import pytest

from cases.map_links import map_link


@pytest.mark.parametrize(
    ("where", "link"),
    [
        (
            {"latitude": Decimal("39.798700"), "longitude": Decimal("-89.654300")},
            "geo:39.798700,-89.654300?q=39.798700,-89.654300",
        ),
        (
            {"latitude": Decimal("0"), "longitude": Decimal("0"), "address": "1 Oak St"},
            "geo:0,0?q=0,0",
        ),
        (
            {"latitude": Decimal("39.7987"), "longitude": Decimal("-89.6543"), "address": "1 Oak"},
            "geo:39.7987,-89.6543?q=39.7987,-89.6543",
        ),
        ({"address": "1 Oak St"}, "geo:0,0?q=1%20Oak%20St"),
        ({"address": " 12 Rue & Co/2, #3 "}, "geo:0,0?q=12%20Rue%20%26%20Co%2F2%2C%20%233"),
        ({"latitude": Decimal("39.7987"), "address": "1 Oak St"}, "geo:0,0?q=1%20Oak%20St"),
        ({"address": "Calle Peñasco 4"}, "geo:0,0?q=Calle%20Pe%C3%B1asco%204"),
        ({"address": "   "}, ""),
        ({}, ""),
    ],
    ids=[
        "point",
        "a point at zero is a point",
        "point before address",
        "address",
        "address encoded whole",
        "half a point is none",
        "address in UTF-8",
        "blank address",
        "nothing",
    ],
)
def test_map_link(where, link):
    assert map_link(**where) == link


def test_the_inspectors_filter_is_the_shared_link():
    from permits.templatetags.permit_inspections import map_link as address_filter

    assert address_filter("1 Oak St") == map_link(address="1 Oak St") == "geo:0,0?q=1%20Oak%20St"
