"""A facility's cancellation policy, as a pure computation: what goes back, on which day.

The policy is a list of tiers, each "cancelled at least N days before the day of the
booking: P% of the fee back" (e.g. 30 days: 100%, 11 days: 50%, 0 days: 0%). Days are
counted between calendar dates in the agency's time zone (`settings.TIME_ZONE`), never
between instants, so a booking at 9 a.m. on 14 June cancelled at 11 p.m. on 15 May is 30
days ahead however the clocks change in between, and the facility's tiers mean what the
agency's calendar says. The deposit always comes back in full; only the fee is tiered.

Nothing here reads the database: `refund_quote` is called by the cancellation service and
by the page that shows the visitor what they will get, with the same arguments, so the
figure shown is the figure refunded.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings


@dataclass(frozen=True)
class Tier:
    """Cancelled `min_days` or more days before the booking's day: `percent`% of the fee back."""

    min_days: int
    percent: int


@dataclass(frozen=True)
class RefundQuote:
    """What a cancellation on one day gives back of what was paid."""

    days_before: int  # calendar days from the cancellation's day to the booking's day
    percent: int  # of the fee, under the tier that applies
    fee_paid_cents: int  # what was paid beyond the deposit (net of earlier refunds)
    deposit_cents: int  # always returned
    fee_refund_cents: int

    @property
    def refund_cents(self) -> int:
        return self.fee_refund_cents + self.deposit_cents

    @property
    def kept_cents(self) -> int:
        return self.fee_paid_cents - self.fee_refund_cents


def agency_date(moment: datetime.datetime) -> datetime.date:
    """The calendar date of an aware `moment` in the agency's time zone."""
    if moment.tzinfo is None:
        raise ValueError("A naive datetime has no day in the agency's time zone.")
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def days_before(*, starts_at: datetime.datetime, now: datetime.datetime) -> int:
    """Calendar days from `now`'s day to `starts_at`'s day, both in the agency's time zone
    (0 on the day itself, negative after it)."""
    return (agency_date(starts_at) - agency_date(now)).days


def tiers_clean(tiers: Iterable[Tier | tuple[int, int] | dict]) -> list[Tier]:
    """The tiers as `Tier`s, longest notice first; ValueError for one that cannot stand
    (negative days, a percentage outside 0-100, two tiers on one day, or less back for
    more notice)."""
    cleaned: list[Tier] = []
    for tier in tiers:
        if isinstance(tier, dict):
            tier = Tier(min_days=tier["min_days"], percent=tier["percent"])
        elif not isinstance(tier, Tier):
            tier = Tier(*tier)
        if type(tier.min_days) is not int or tier.min_days < 0:
            raise ValueError("A tier's days must be a whole number, zero or more.")
        if type(tier.percent) is not int or not 0 <= tier.percent <= 100:
            raise ValueError("A tier's refund must be a whole percentage from 0 to 100.")
        cleaned.append(tier)
    cleaned.sort(key=lambda tier: tier.min_days, reverse=True)
    for longer, shorter in itertools.pairwise(cleaned):
        if longer.min_days == shorter.min_days:
            raise ValueError("Two tiers start on the same day.")
        if longer.percent < shorter.percent:
            raise ValueError("More notice cannot give less back.")
    return cleaned


def tier_percent(tiers: Iterable[Tier | tuple[int, int] | dict], *, days: int) -> int:
    """The percentage of the fee returned `days` calendar days ahead: the tier with the
    most notice that `days` reaches; 0 when none does (or after the day)."""
    for tier in tiers_clean(tiers):
        if days >= tier.min_days:
            return tier.percent
    return 0


def refund_quote(
    *,
    tiers: Iterable[Tier | tuple[int, int] | dict],
    starts_at: datetime.datetime,
    now: datetime.datetime,
    paid_cents: int,
    deposit_cents: int,
) -> RefundQuote:
    """What cancelling at `now` a booking starting at `starts_at` gives back of `paid_cents`
    (what is still paid on it, deposit included).

    The deposit comes back in full (or what is paid of it); the fee by the tier reached,
    rounded down to the cent. Raises ValueError for negative amounts or bad tiers.
    """
    if paid_cents < 0 or deposit_cents < 0:
        raise ValueError("Amounts cannot be negative.")
    days = days_before(starts_at=starts_at, now=now)
    percent = tier_percent(tiers, days=days)
    deposit = min(deposit_cents, paid_cents)
    fee_paid = paid_cents - deposit
    return RefundQuote(
        days_before=days,
        percent=percent,
        fee_paid_cents=fee_paid,
        deposit_cents=deposit,
        fee_refund_cents=fee_paid * percent // 100,
    )
