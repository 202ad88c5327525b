"""Penalties, interest, early-payment discounts, pay-offs and how a payment is applied: pure
arithmetic on integer cents and the agency's dates, no database.

The rules are those of `taxes.models.rules` (read by `taxes.selectors.schedule_current`):

- the **effective due date** is the due date, or the next business day when it falls on a
  weekend or a day the agency is closed: paying then is on time;
- **penalty** tiers are one total percent each ("5% after 0 days, 10% after 30 days"): a tier
  reached on day T (the effective due date plus its days, plus one) charges the difference
  between its percent and the previous tier's, on the principal still unpaid at the start
  of day T. So 5% the day after the due date, another 5% on the 31st day after it;
- **interest** is charged for each month or part of a month begun since the instalment went
  past due (month 1 starts the day after the effective due date plus the rule's days, month
  n the same day n-1 calendar months later, or the month's last day when it has no such
  day), on the principal still unpaid when that month begins;
- an early-payment **discount** takes the best rule's percent off the principal still unpaid
  when that principal is paid in full, on time, in a month at least the rule's months before
  the month of the due date;
- a payment pays every instalment's penalties and interest first (oldest instalment first),
  then principal, oldest instalment first. What is left over is returned, for a credit.

Each charge is rounded to the cent, half up. A payment counts on the agency's date it was
started (`agency_date`): a payment started before the deadline and completed after it is on
time.
"""

from __future__ import annotations

import calendar
import datetime
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

WEEKEND = (5, 6)


@dataclass(frozen=True)
class Schedule:
    """The agency's rules, as numbers: `penalties` (days past due, total percent), at most
    one `interest` rule (days past due, percent a month), `discounts` (months before the due
    month, percent), and the days the agency is closed besides weekends."""

    penalties: tuple[tuple[int, Decimal], ...] = ()
    interest: tuple[int, Decimal] | None = None
    discounts: tuple[tuple[int, Decimal], ...] = ()
    closed: frozenset[datetime.date] = frozenset()


@dataclass(frozen=True)
class InstalmentState:
    """What an instalment owes and what has been paid on it (principal payments dated)."""

    key: object
    due_date: datetime.date
    principal_cents: int
    principal_payments: tuple[tuple[datetime.date, int], ...] = ()
    penalty_paid_cents: int = 0
    interest_paid_cents: int = 0
    discount_cents: int = 0


@dataclass(frozen=True)
class InstalmentPayoff:
    key: object
    principal_cents: int
    penalty_cents: int
    interest_cents: int
    discount_cents: int

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.penalty_cents + self.interest_cents - self.discount_cents


@dataclass(frozen=True)
class Payoff:
    """What pays everything off on one date, by instalment and in all."""

    on: datetime.date
    instalments: tuple[InstalmentPayoff, ...]

    def _sum(self, name: str) -> int:
        return sum(getattr(instalment, name) for instalment in self.instalments)

    @property
    def principal_cents(self) -> int:
        return self._sum("principal_cents")

    @property
    def penalty_cents(self) -> int:
        return self._sum("penalty_cents")

    @property
    def interest_cents(self) -> int:
        return self._sum("interest_cents")

    @property
    def discount_cents(self) -> int:
        return self._sum("discount_cents")

    @property
    def total_cents(self) -> int:
        return self._sum("total_cents")


@dataclass
class Allocation:
    """The part of a payment applied to one instalment."""

    key: object
    principal_cents: int = 0
    penalty_cents: int = 0
    interest_cents: int = 0
    discount_cents: int = 0

    @property
    def paid_cents(self) -> int:
        return self.principal_cents + self.penalty_cents + self.interest_cents


@dataclass
class Application:
    """How a payment is applied: by instalment, and what is left over (to become a credit)."""

    allocations: list[Allocation] = field(default_factory=list)
    left_over_cents: int = 0


def agency_date(moment: datetime.datetime) -> datetime.date:
    """The agency's calendar date at an aware `moment` (settings.TIME_ZONE)."""
    if moment.tzinfo is None:
        raise ValueError("agency_date needs an aware datetime.")
    return moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def percent_of(cents: int, percent: Decimal) -> int:
    """`percent` of `cents`, rounded to the cent, half up."""
    return int((Decimal(cents) * Decimal(percent) / 100).quantize(Decimal(1), ROUND_HALF_UP))


def effective_due_date(due_date: datetime.date, closed: Iterable[datetime.date]) -> datetime.date:
    """The due date, or the next day the agency is open when it falls on a weekend or a
    closed day."""
    closed = frozenset(closed)
    day = due_date
    while day.weekday() in WEEKEND or day in closed:
        day += datetime.timedelta(days=1)
    return day


def months_later(start: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later, or that month's last day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _unpaid_before(state: InstalmentState, day: datetime.date) -> int:
    """Principal still unpaid at the start of `day`."""
    paid = sum(cents for paid_on, cents in state.principal_payments if paid_on < day)
    return max(state.principal_cents - state.discount_cents - paid, 0)


def _unpaid(state: InstalmentState) -> int:
    paid = sum(cents for _, cents in state.principal_payments)
    return max(state.principal_cents - state.discount_cents - paid, 0)


def penalty_accrued(state: InstalmentState, schedule: Schedule, on: datetime.date) -> int:
    """The penalty charged on the instalment by `on` (paid or not)."""
    due = effective_due_date(state.due_date, schedule.closed)
    total, previous = 0, Decimal(0)
    for days, percent in sorted(schedule.penalties):
        starts = due + datetime.timedelta(days=days + 1)
        if on < starts:
            break
        if percent > previous:
            total += percent_of(_unpaid_before(state, starts), percent - previous)
            previous = percent
    return total


def interest_accrued(state: InstalmentState, schedule: Schedule, on: datetime.date) -> int:
    """The interest charged on the instalment by `on` (paid or not)."""
    if schedule.interest is None:
        return 0
    days, percent = schedule.interest
    first = effective_due_date(state.due_date, schedule.closed) + datetime.timedelta(days=days + 1)
    total, month = 0, 0
    while (starts := months_later(first, month)) <= on:
        total += percent_of(_unpaid_before(state, starts), percent)
        month += 1
    return total


def discount_available(state: InstalmentState, schedule: Schedule, on: datetime.date) -> int:
    """The discount if the principal still unpaid is paid in full on `on` (0 if none)."""
    if on > effective_due_date(state.due_date, schedule.closed):
        return 0
    months_before = (state.due_date.year * 12 + state.due_date.month) - (on.year * 12 + on.month)
    percents = [percent for months, percent in schedule.discounts if months_before >= months]
    if not percents:
        return 0
    return percent_of(_unpaid(state), max(percents))


def instalment_payoff(
    state: InstalmentState, schedule: Schedule, on: datetime.date
) -> InstalmentPayoff:
    return InstalmentPayoff(
        key=state.key,
        principal_cents=_unpaid(state),
        penalty_cents=max(penalty_accrued(state, schedule, on) - state.penalty_paid_cents, 0),
        interest_cents=max(interest_accrued(state, schedule, on) - state.interest_paid_cents, 0),
        discount_cents=discount_available(state, schedule, on),
    )


def _oldest_first(states: Iterable[InstalmentState]) -> list[InstalmentState]:
    return sorted(states, key=lambda state: state.due_date)


def payoff(states: Sequence[InstalmentState], schedule: Schedule, on: datetime.date) -> Payoff:
    """What pays off these instalments on `on`: principal, penalty, interest, less discount."""
    return Payoff(
        on=on,
        instalments=tuple(
            instalment_payoff(state, schedule, on) for state in _oldest_first(states)
        ),
    )


def payment_apply(
    amount_cents: int,
    states: Sequence[InstalmentState],
    schedule: Schedule,
    on: datetime.date,
) -> Application:
    """Apply a payment of `amount_cents` made on `on`: penalties and interest first (oldest
    instalment first), then principal, oldest instalment first. An instalment whose unpaid
    principal is paid in full on time gets its early-payment discount. Raise ValueError for
    an amount below one cent."""
    if amount_cents < 1:
        raise ValueError("A payment is at least one cent.")
    left = amount_cents
    owed = {state.key: instalment_payoff(state, schedule, on) for state in states}
    ordered = _oldest_first(states)
    allocations = {state.key: Allocation(key=state.key) for state in ordered}
    for state in ordered:
        for name in ("penalty_cents", "interest_cents"):
            part = min(left, getattr(owed[state.key], name))
            setattr(allocations[state.key], name, part)
            left -= part
    for state in ordered:
        due = owed[state.key]
        allocation = allocations[state.key]
        if due.discount_cents and left >= due.principal_cents - due.discount_cents:
            allocation.discount_cents = due.discount_cents
            allocation.principal_cents = due.principal_cents - due.discount_cents
        else:
            allocation.principal_cents = min(left, due.principal_cents)
        left -= allocation.principal_cents
    return Application(
        allocations=[
            allocation
            for allocation in allocations.values()
            if allocation.paid_cents or allocation.discount_cents
        ],
        left_over_cents=left,
    )
