"""The agency's calendar for service levels: business days, with its holidays.

A service-level target counted in business days skips weekends, the public holidays of the
agency's country and subdivision (the maintained `holidays` library, configured by the
settings `AGENCY_HOLIDAYS_COUNTRY` and `AGENCY_HOLIDAYS_SUBDIVISION`) and the dates the
administrator adds as `Holiday` rows (a closure for a storm, the day after Thanksgiving).

    business_days_add(start=datetime.date(2026, 12, 24), days=2)  # skips Christmas Day

A misconfigured country or subdivision is a system check error (`cases.E003`) at start-up,
not a wrong due date later.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays as holidays_library
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Saturday and Sunday (date.weekday()).
WEEKEND = frozenset({5, 6})
# How far a count may run before it is a mistake rather than a target (about ten years).
_MAX_DAYS = 2600


class Holiday(models.Model):
    """A day the agency is closed beyond the public holidays of its country: no service-level
    clock runs on it."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


def holidays_settings() -> tuple[str, str]:
    """The configured (country, subdivision) of the agency's public holidays."""
    return (
        getattr(settings, "AGENCY_HOLIDAYS_COUNTRY", "US"),
        getattr(settings, "AGENCY_HOLIDAYS_SUBDIVISION", ""),
    )


@lru_cache(maxsize=32)
def _public_holidays(country: str, subdivision: str, year: int) -> frozenset[datetime.date]:
    calendar = holidays_library.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(calendar)


def closed_days(*, start: datetime.date, end: datetime.date) -> frozenset[datetime.date]:
    """Every holiday (public or the administrator's) from `start` to `end`, both included."""
    country, subdivision = holidays_settings()
    days: set[datetime.date] = set()
    for year in range(start.year, end.year + 1):
        days |= _public_holidays(country, subdivision, year)
    days |= set(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))
    return frozenset(day for day in days if start <= day <= end)


def is_business_day(day: datetime.date, closed: frozenset[datetime.date]) -> bool:
    return day.weekday() not in WEEKEND and day not in closed


def business_days_add(*, start: datetime.date, days: int) -> datetime.date:
    """The date `days` business days after `start` (`start` itself counts as day 0, so a
    target of 1 from a Friday is the next Monday). Raises ValueError for a negative count."""
    if days < 0:
        raise ValueError("A count of business days cannot be negative.")
    # Weekends and holidays never take more than half the days of a long enough window.
    window = start + datetime.timedelta(days=days * 2 + 14)
    closed = closed_days(start=start, end=window)
    day, counted = start, 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if day > window:
            window = day + datetime.timedelta(days=days * 2 + 14)
            closed = closed_days(start=day, end=window)
        if is_business_day(day, closed):
            counted += 1
    return day


def business_days_between(*, start: datetime.date, end: datetime.date) -> int:
    """How many business days after `start` up to and including `end` (0 if `end` is not
    after `start`)."""
    if end <= start:
        return 0
    if (end - start).days > _MAX_DAYS:
        raise ValueError("The dates are too far apart to count business days.")
    closed = closed_days(start=start, end=end)
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_business_day(start + datetime.timedelta(days=offset), closed)
    )
