"""Penalties, interest, discounts, pay-offs and the order a payment is applied in, on their
boundary days (taxes.charges: pure arithmetic, no database)."""

import datetime
from decimal import Decimal

import pytest

from taxes import charges

D = datetime.date
# 5% the day after the due date, 10% in all after 30 days, 1% a month from the day after.
RULES = charges.Schedule(penalties=((0, Decimal(5)), (30, Decimal(10))), interest=(0, Decimal(1)))
DISCOUNTS = charges.Schedule(
    discounts=((4, Decimal(4)), (3, Decimal(3)), (2, Decimal(2)), (1, Decimal(1)))
)


def _instalment(due=None, cents=100000, key=1, **kwargs):
    due = due or D(2026, 3, 31)
    return charges.InstalmentState(key=key, due_date=due, principal_cents=cents, **kwargs)


@pytest.mark.parametrize(
    ("on", "penalty"),
    [
        (D(2026, 3, 30), 0),
        (D(2026, 3, 31), 0),  # the due date itself
        (D(2026, 4, 1), 5000),  # the day after
        (D(2026, 4, 30), 5000),  # 30 days after
        (D(2026, 5, 1), 10000),  # 31 days after: the second tier
        (D(2027, 1, 1), 10000),
    ],
)
def test_the_penalty_on_its_boundary_days(on, penalty):
    assert charges.penalty_accrued(_instalment(), RULES, on) == penalty


@pytest.mark.parametrize(
    ("on", "interest"),
    [
        (D(2026, 3, 31), 0),
        (D(2026, 4, 1), 1000),  # month 1 begins the day after the due date
        (D(2026, 4, 30), 1000),
        (D(2026, 5, 1), 2000),  # month 2
        (D(2026, 5, 31), 2000),
        (D(2026, 6, 1), 3000),
    ],
)
def test_interest_for_each_month_or_part_begun(on, interest):
    assert charges.interest_accrued(_instalment(), RULES, on) == interest


@pytest.mark.parametrize(
    ("on", "months"),
    [
        (D(2026, 1, 31), 1),  # due January 30: month 1 begins January 31
        (D(2026, 2, 27), 1),
        (D(2026, 2, 28), 2),  # February has no 31st: its last day
        (D(2026, 3, 30), 2),
        (D(2026, 3, 31), 3),
        (D(2026, 4, 30), 4),
    ],
)
def test_interest_months_across_month_ends(on, months):
    instalment = _instalment(due=D(2026, 1, 30))
    assert charges.interest_accrued(instalment, RULES, on) == months * 1000


@pytest.mark.parametrize(
    ("on", "penalty"),
    [
        (D(2026, 2, 28), 0),  # due on a Saturday
        (D(2026, 3, 2), 0),  # ... so Monday is on time
        (D(2026, 3, 3), 5000),
    ],
)
def test_a_due_date_on_a_weekend_moves_to_the_next_business_day(on, penalty):
    assert charges.penalty_accrued(_instalment(due=D(2026, 2, 28)), RULES, on) == penalty


def test_a_due_date_on_a_closed_day_moves_past_it():
    # given: due Friday July 3rd, the agency closed that day
    rules = charges.Schedule(penalties=RULES.penalties, closed=frozenset({D(2026, 7, 3)}))
    instalment = _instalment(due=D(2026, 7, 3))

    # then: Monday the 6th is on time
    assert charges.penalty_accrued(instalment, rules, D(2026, 7, 6)) == 0
    assert charges.penalty_accrued(instalment, rules, D(2026, 7, 7)) == 5000


def test_penalties_and_interest_fall_on_the_principal_unpaid_when_they_begin():
    # given: half paid on the due date, a quarter on day 31 itself (after the tier began)
    instalment = _instalment(principal_payments=((D(2026, 3, 31), 50000), (D(2026, 5, 1), 25000)))

    # then
    assert charges.penalty_accrued(instalment, RULES, D(2026, 5, 1)) == 2500 + 2500
    assert charges.interest_accrued(instalment, RULES, D(2026, 6, 1)) == 500 + 500 + 250


def test_charges_round_half_up_to_the_cent():
    assert charges.percent_of(12345, Decimal("1.5")) == 185  # 185.175
    assert charges.percent_of(10, Decimal(5)) == 1  # 0.5
    assert charges.percent_of(9, Decimal(5)) == 0  # 0.45


@pytest.mark.parametrize(
    ("on", "discount"),
    [
        (D(2025, 11, 1), 4000),  # four months before March
        (D(2025, 11, 30), 4000),
        (D(2025, 12, 1), 3000),
        (D(2026, 1, 31), 2000),
        (D(2026, 2, 28), 1000),
        (D(2026, 3, 1), 0),  # the due date's month: on time, no discount
        (D(2026, 4, 1), 0),
    ],
)
def test_early_payment_discounts_by_month(on, discount):
    assert charges.discount_available(_instalment(), DISCOUNTS, on) == discount


def test_the_pay_off_for_a_date_adds_principal_penalty_and_interest_less_discount():
    # given: the first half late, the second early enough for 4%
    schedule = charges.Schedule(
        penalties=RULES.penalties, interest=RULES.interest, discounts=DISCOUNTS.discounts
    )
    first = _instalment(key=1)
    second = _instalment(key=2, due=D(2026, 9, 30))

    # when
    payoff = charges.payoff([second, first], schedule, D(2026, 5, 1))

    # then
    assert [line.key for line in payoff.instalments] == [1, 2]
    assert (payoff.principal_cents, payoff.penalty_cents, payoff.interest_cents) == (
        200000,
        10000,
        2000,
    )
    assert payoff.discount_cents == 4000
    assert payoff.total_cents == 200000 + 10000 + 2000 - 4000


def test_already_paid_penalties_and_interest_are_not_owed_twice():
    instalment = _instalment(penalty_paid_cents=5000, interest_paid_cents=1000)
    payoff = charges.instalment_payoff(instalment, RULES, D(2026, 5, 1))
    assert (payoff.penalty_cents, payoff.interest_cents) == (5000, 1000)


@pytest.mark.parametrize(
    ("amount", "expected", "left_over"),
    [
        # penalties and interest of both first, oldest first...
        (3000, {1: (0, 3000, 0), 2: (0, 0, 0)}, 0),
        (12000, {1: (0, 10000, 2000), 2: (0, 0, 0)}, 0),
        (14000, {1: (0, 10000, 2000), 2: (0, 2000, 0)}, 0),
        # ... then the oldest instalment's principal
        (48000, {1: (30000, 10000, 2000), 2: (0, 5000, 1000)}, 0),
        (218000, {1: (100000, 10000, 2000), 2: (100000, 5000, 1000)}, 0),
        (250000, {1: (100000, 10000, 2000), 2: (100000, 5000, 1000)}, 32000),
    ],
)
def test_a_partial_payment_pays_penalties_and_interest_first_then_the_oldest(
    amount, expected, left_over
):
    # given: on May 30, the first instalment 60 days late, the second 30
    first = _instalment(key=1, due=D(2026, 3, 31))
    second = _instalment(key=2, due=D(2026, 4, 30))

    # when
    application = charges.payment_apply(amount, [second, first], RULES, D(2026, 5, 30))

    # then
    got = {
        allocation.key: (
            allocation.principal_cents,
            allocation.penalty_cents,
            allocation.interest_cents,
        )
        for allocation in application.allocations
    }
    assert {key: got.get(key, (0, 0, 0)) for key in (1, 2)} == expected
    assert application.left_over_cents == left_over
    assert sum(a.paid_cents for a in application.allocations) + left_over == amount


def test_a_payment_that_pays_an_instalment_in_full_early_takes_its_discount():
    # given
    instalment = _instalment()

    # when: 4% off in November
    application = charges.payment_apply(96000, [instalment], DISCOUNTS, D(2025, 11, 15))

    # then
    [allocation] = application.allocations
    assert (allocation.principal_cents, allocation.discount_cents) == (96000, 4000)
    assert application.left_over_cents == 0


def test_a_partial_early_payment_gets_no_discount():
    application = charges.payment_apply(50000, [_instalment()], DISCOUNTS, D(2025, 11, 15))
    [allocation] = application.allocations
    assert (allocation.principal_cents, allocation.discount_cents) == (50000, 0)


def test_a_payment_below_a_cent_is_refused():
    with pytest.raises(ValueError, match="at least one cent"):
        charges.payment_apply(0, [_instalment()], RULES, D(2026, 4, 1))


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        # 11:30 p.m. in New York on the due date is already the next day in UTC
        (datetime.datetime(2026, 4, 1, 3, 30, tzinfo=datetime.UTC), D(2026, 3, 31)),
        (datetime.datetime(2026, 4, 1, 4, 0, tzinfo=datetime.UTC), D(2026, 4, 1)),
    ],
)
def test_a_payment_counts_on_the_agency_date_it_was_started(settings, moment, day):
    settings.TIME_ZONE = "America/New_York"
    assert charges.agency_date(moment) == day


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="aware"):
        charges.agency_date(datetime.datetime(2026, 4, 1))
