"""Permit fees by the type's schedule: flat, per square foot, by valuation through the tiered
table (at and around each tier's boundary), the minimum, and the plan-review share."""

from decimal import Decimal

import pytest

from permits.fees import fee_quote, permit_fee, share_of, valuation_fee
from permits.models import FeeMethod, FeeTier
from tests.permits.factories import FeeTierFactory, PermitTypeFactory

pytestmark = pytest.mark.django_db

# A table in the shape of the model codes' (IBC Table 1-A style), in cents.
TABLE = [
    # from $0: $25 flat up to $500
    (0, 2_500, 0),
    # from $500: $25 + $3.25 per $100 ... expressed per $1,000 here: $32.50
    (50_000, 2_500, 3_250),
    # from $25,000: $400 + $15 per $1,000 above
    (2_500_000, 40_000, 1_500),
    # from $100,000: $1,525 + $10 per $1,000 above
    (10_000_000, 152_500, 1_000),
]


def _tiers():
    return [FeeTier(from_cents=a, base_cents=b, per_thousand_cents=c) for a, b, c in TABLE]


@pytest.mark.parametrize(
    ("valuation_cents", "fee_cents"),
    [
        (0, 2_500),
        (49_999, 2_500),  # one cent under the second tier
        (50_000, 2_500),  # exactly at it: nothing above its start yet
        (50_001, 2_500 + 3_250),  # one cent above counts as a part of $1,000
        (150_000, 2_500 + 3_250),  # exactly $1,000 above
        (150_001, 2_500 + 2 * 3_250),
        (2_499_999, 2_500 + 25 * 3_250),  # $24,499.99 above $500: 25 parts of $1,000
        (2_500_000, 40_000),
        (9_999_999, 40_000 + 75 * 1_500),
        (10_000_000, 152_500),
        (10_000_001, 152_500 + 1_000),
        (25_000_000, 152_500 + 150 * 1_000),
    ],
)
def test_valuation_fee_at_tier_boundaries(valuation_cents, fee_cents):
    assert valuation_fee(valuation_cents=valuation_cents, tiers=_tiers()) == fee_cents


def test_valuation_fee_reads_tiers_in_any_order():
    assert valuation_fee(valuation_cents=10_000_001, tiers=list(reversed(_tiers()))) == 153_500


def test_valuation_fee_without_a_tier_that_applies_is_zero():
    tiers = [FeeTier(from_cents=100_000, base_cents=5_000, per_thousand_cents=100)]
    assert valuation_fee(valuation_cents=99_999, tiers=tiers) == 0


def test_permit_fee_by_valuation_reads_the_types_table():
    # given
    permit_type = PermitTypeFactory(fee_method=FeeMethod.VALUATION, minimum_fee_cents=0)
    for start, base, rate in TABLE:
        FeeTierFactory(
            permit_type=permit_type, from_cents=start, base_cents=base, per_thousand_cents=rate
        )
    # when / then
    assert permit_fee(permit_type=permit_type, valuation_cents=12_000_000) == 172_500


def test_permit_fee_flat_ignores_the_work():
    permit_type = PermitTypeFactory(fee_method=FeeMethod.FLAT, flat_fee_cents=15_000)
    assert permit_fee(permit_type=permit_type, valuation_cents=99_999_999, square_feet=5) == 15_000


@pytest.mark.parametrize(("square_feet", "fee_cents"), [(None, 0), (0, 0), (1, 25), (480, 12_000)])
def test_permit_fee_per_square_foot(square_feet, fee_cents):
    permit_type = PermitTypeFactory(fee_method=FeeMethod.PER_SQUARE_FOOT, per_square_foot_cents=25)
    assert permit_fee(permit_type=permit_type, square_feet=square_feet) == fee_cents


@pytest.mark.parametrize(
    ("square_feet", "fee_cents"), [(100, 7_500), (299, 7_500), (300, 7_500), (301, 7_525)]
)
def test_permit_fee_is_never_below_the_minimum(square_feet, fee_cents):
    permit_type = PermitTypeFactory(
        fee_method=FeeMethod.PER_SQUARE_FOOT, per_square_foot_cents=25, minimum_fee_cents=7_500
    )
    assert permit_fee(permit_type=permit_type, square_feet=square_feet) == fee_cents


@pytest.mark.parametrize(
    ("cents", "percent", "share"),
    [
        (10_000, Decimal("65"), 6_500),
        (1, Decimal("50"), 1),  # half a cent rounds up
        (3, Decimal("50"), 2),  # 1.5 cents rounds up
        (1, Decimal("49.99"), 0),
        (12_345, Decimal("0"), 0),
        (12_345, Decimal("100"), 12_345),
        (99_999, Decimal("33.33"), 33_330),  # 33,329.67 cents
    ],
)
def test_plan_review_share_rounds_half_up_to_the_cent(cents, percent, share):
    assert share_of(cents, percent) == share


def test_fee_quote_splits_what_is_due_now_and_at_issue():
    # given
    permit_type = PermitTypeFactory(
        application_fee_cents=5_000,
        fee_method=FeeMethod.FLAT,
        flat_fee_cents=40_000,
        plan_review_percent=Decimal("65"),
    )
    # when
    quote = fee_quote(permit_type=permit_type)
    # then
    assert (quote.application_cents, quote.permit_cents, quote.plan_review_cents) == (
        5_000,
        40_000,
        26_000,
    )
    assert quote.due_now_cents == 31_000
    assert quote.due_at_issue_cents == 14_000
    assert quote.total_cents == 45_000
