"""A facility's cancellation policy and prices in plain words."""

import pytest

from bookings.facility_facts import cancellation_policy, price_from_cents
from bookings.models import CancellationTier
from tests.bookings.factories import FacilityFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("tiers", "expected"),
    [
        (
            [(30, 100), (11, 50), (0, 0)],
            [
                ("30 days or more before the day of the booking", "the whole fee back"),
                ("11 to 29 days before", "50% of the fee back"),
                ("Less than 11 days before, or on the day", "no refund of the fee"),
            ],
        ),
        (
            [(7, 80)],
            [
                ("7 days or more before the day of the booking", "80% of the fee back"),
                ("Less than 7 days before, or on the day", "no refund of the fee"),
            ],
        ),
        ([(0, 100)], [("Up to the day of the booking", "the whole fee back")]),
        (
            [(1, 100)],
            [
                ("1 day or more before the day of the booking", "the whole fee back"),
                ("Less than 1 day before, or on the day", "no refund of the fee"),
            ],
        ),
        ([], []),
    ],
)
def test_tiers_read_as_sentences_with_no_gap(tiers, expected):
    # given
    facility = FacilityFactory()
    CancellationTier.objects.bulk_create(
        CancellationTier(facility=facility, days_before=days, percent=percent)
        for days, percent in tiers
    )

    # when
    lines = cancellation_policy(facility)

    # then
    assert [(line.when, line.refund) for line in lines] == expected


def test_the_price_from_is_the_lower_rate():
    facility = FacilityFactory(resident_price_cents=2500, nonresident_price_cents=4000)

    assert price_from_cents(facility) == 2500
