"""What a permit costs, from its type's fee schedule.

The permit fee is computed one of three ways (`PermitType.fee_method`): a flat amount, an
amount per square foot of the work, or by construction valuation through the type's tiered
table (`FeeTier`: a base fee plus so much for each $1,000, or part of $1,000, above the
tier's start, as the model building codes' fee tables read). It is never below the type's
minimum. The plan-review fee is a share of the permit fee, rounded to the cent (half up),
charged when applying with the application fee; the rest of the permit fee is charged when
the permit is issued.

Pure functions of their arguments: the applicant's page, the service that issues the invoice
and the tests all compute the same amounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from permits.models import FeeMethod, FeeTier, PermitType

THOUSAND_DOLLARS_CENTS = 100_000


@dataclass(frozen=True)
class FeeQuote:
    application_cents: int
    permit_cents: int
    plan_review_cents: int

    @property
    def due_now_cents(self) -> int:
        """Paid when applying: the application fee and the plan-review share."""
        return self.application_cents + self.plan_review_cents

    @property
    def due_at_issue_cents(self) -> int:
        """Paid before the permit is issued: the permit fee less the plan-review share."""
        return max(self.permit_cents - self.plan_review_cents, 0)

    @property
    def total_cents(self) -> int:
        return self.application_cents + max(self.permit_cents, self.plan_review_cents)


def valuation_fee(*, valuation_cents: int, tiers: Sequence[FeeTier]) -> int:
    """The fee for `valuation_cents` by a tiered table (tiers in any order; 0 if none apply).

    The tier is the one with the highest start at or below the valuation; each $1,000 or
    part of $1,000 above that start adds the tier's rate.
    """
    applicable = [tier for tier in tiers if tier.from_cents <= valuation_cents]
    if not applicable:
        return 0
    tier = max(applicable, key=lambda row: row.from_cents)
    above = valuation_cents - tier.from_cents
    thousands = -(-above // THOUSAND_DOLLARS_CENTS)  # ceiling: a part of $1,000 counts
    return tier.base_cents + thousands * tier.per_thousand_cents


def permit_fee(
    *,
    permit_type: PermitType,
    valuation_cents: int = 0,
    square_feet: int | None = None,
    tiers: Sequence[FeeTier] | None = None,
) -> int:
    """The permit fee by `permit_type`'s schedule. `tiers` saves a query when the caller
    has them (for a valuation type); otherwise they are read."""
    method = permit_type.fee_method
    if method == FeeMethod.VALUATION:
        if tiers is None:
            tiers = list(permit_type.fee_tiers.all())
        fee = valuation_fee(valuation_cents=valuation_cents or 0, tiers=tiers)
    elif method == FeeMethod.PER_SQUARE_FOOT:
        fee = (square_feet or 0) * permit_type.per_square_foot_cents
    else:
        fee = permit_type.flat_fee_cents
    return max(fee, permit_type.minimum_fee_cents)


def share_of(cents: int, percent: Decimal) -> int:
    """`percent` % of `cents`, rounded to the cent, half up."""
    value = Decimal(cents) * Decimal(percent) / Decimal(100)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fee_quote(
    *,
    permit_type: PermitType,
    valuation_cents: int = 0,
    square_feet: int | None = None,
    tiers: Sequence[FeeTier] | None = None,
) -> FeeQuote:
    """Every fee of a permit of `permit_type` for this work, as the applicant sees it."""
    permit_cents = permit_fee(
        permit_type=permit_type,
        valuation_cents=valuation_cents,
        square_feet=square_feet,
        tiers=tiers,
    )
    return FeeQuote(
        application_cents=permit_type.application_fee_cents,
        permit_cents=permit_cents,
        plan_review_cents=share_of(permit_cents, permit_type.plan_review_percent),
    )
