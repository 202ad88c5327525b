"""What a facility's public page says in plain words, from its rows: opening hours by day,
the lowest price, and the cancellation policy as sentences. Pure: reads only what the
caller prefetched."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.models import Facility, PriceUnit, Weekday


@dataclass(frozen=True)
class DayHours:
    label: str
    periods: list[tuple[datetime.time, datetime.time]]


def weekly_hours(facility: Facility) -> list[DayHours]:
    """Monday to Sunday, each with its opening periods (none: closed that day)."""
    by_day: dict[int, list[tuple[datetime.time, datetime.time]]] = {day: [] for day in range(7)}
    for row in facility.hours.all():
        by_day[row.weekday].append((row.opens, row.closes))
    return [
        DayHours(label=str(Weekday(day).label), periods=sorted(by_day[day])) for day in range(7)
    ]


def price_from_cents(facility: Facility) -> int:
    """The lowest rate (resident or not) of one unit: what "from" on the list means."""
    return min(facility.resident_price_cents, facility.nonresident_price_cents)


def price_unit_words(facility: Facility) -> str:
    if facility.price_unit == PriceUnit.HOUR:
        return _("per hour")
    return _("per booking")


@dataclass(frozen=True)
class PolicyLine:
    when: str
    refund: str


def _refund_words(percent: int) -> str:
    if percent >= 100:
        return _("the whole fee back")
    if percent <= 0:
        return _("no refund of the fee")
    return _("%(percent)d%% of the fee back") % {"percent": percent}


def cancellation_policy(facility: Facility) -> list[PolicyLine]:
    """The prefetched tiers as plain sentences, longest notice first, with the gap below the
    smallest tier stated as no refund (the refund policy gives nothing there)."""
    tiers = sorted(facility.cancellation_tiers.all(), key=lambda t: t.days_before, reverse=True)
    lines = []
    longer = None
    for tier in tiers:
        days = tier.days_before
        if longer is None:
            when = (
                ngettext(
                    "%(days)d day or more before the day of the booking",
                    "%(days)d days or more before the day of the booking",
                    days,
                )
                % {"days": days}
                if days
                else _("Up to the day of the booking")
            )
        elif days == 0:
            when = ngettext(
                "Less than %(days)d day before, or on the day",
                "Less than %(days)d days before, or on the day",
                longer,
            ) % {"days": longer}
        else:
            when = _("%(first)d to %(last)d days before") % {"first": days, "last": longer - 1}
        lines.append(PolicyLine(when=when, refund=_refund_words(tier.percent)))
        longer = days
    if longer:
        lines.append(
            PolicyLine(
                when=ngettext(
                    "Less than %(days)d day before, or on the day",
                    "Less than %(days)d days before, or on the day",
                    longer,
                )
                % {"days": longer},
                refund=_refund_words(0),
            )
        )
    return lines
