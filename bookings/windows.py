"""The days the availability page shows: one day or a week, read from the query string
(`?day=YYYY-MM-DD&view=week&length=120`), kept within what can be booked, with the dates of
the previous and next pages. Whatever the query holds, a window comes out: a day that
cannot be read is today, a day before today is today, a day past the booking horizon is its
last day, a length the facility does not offer is its shortest."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils import timezone

from bookings.models import Facility, SlotMode

DAY = "day"
WEEK = "week"


@dataclass(frozen=True)
class Window:
    first: datetime.date
    days: int
    view: str
    length: int  # minutes of the booking the visitor looks for
    lengths: list[int]  # every length the facility offers
    previous: datetime.date | None  # first day of the previous page (None: before today)
    next: datetime.date | None  # first day of the next page (None: past the horizon)

    @property
    def last(self) -> datetime.date:
        return self.first + datetime.timedelta(days=self.days - 1)

    def query(self, first: datetime.date | None = None, *, view: str | None = None) -> str:
        """The query string of this window, or of another first day or view."""
        return urlencode(
            {
                "day": (first or self.first).isoformat(),
                "view": view or self.view,
                "length": self.length,
            }
        )

    @property
    def here(self) -> str:
        return self.query()

    @property
    def previous_query(self) -> str:
        return self.query(self.previous) if self.previous else ""

    @property
    def next_query(self) -> str:
        return self.query(self.next) if self.next else ""

    @property
    def other_view_query(self) -> str:
        return self.query(view=DAY if self.view == WEEK else WEEK)


def facility_lengths(facility: Facility) -> list[int]:
    """The lengths a booking of `facility` may have, in minutes."""
    if facility.slot_mode == SlotMode.FIXED:
        return [facility.slot_minutes]
    return list(range(facility.min_minutes, facility.max_minutes + 1, facility.slot_minutes))


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def availability_window(
    *, facility: Facility, query: Mapping[str, str], now: datetime.datetime | None = None
) -> Window:
    """The window `query` asks for, clamped to today and the booking horizon."""
    now = now or timezone.now()
    today = timezone.localtime(now, facility.time_zone).date()
    horizon = today + datetime.timedelta(days=facility.book_ahead_days)
    view = WEEK if query.get("view") == WEEK else DAY
    days = 7 if view == WEEK else 1
    first = _date(str(query.get("day", ""))) or today
    first = min(max(first, today), horizon)
    lengths = facility_lengths(facility)
    try:
        length = int(str(query.get("length", "")))
    except ValueError:
        length = lengths[0]
    if length not in lengths:
        length = lengths[0]
    step = datetime.timedelta(days=days)
    previous = None if first <= today else max(first - step, today)
    following = first + step
    return Window(
        first=first,
        days=days,
        view=view,
        length=length,
        lengths=lengths,
        previous=previous,
        next=following if following <= horizon else None,
    )


@dataclass(frozen=True)
class Choice:
    """A free time the visitor can choose: `minutes` from `start`."""

    start: datetime.datetime
    end: datetime.datetime
    minutes: int


@dataclass(frozen=True)
class DayChoices:
    day: datetime.date
    choices: list[Choice]
    closed: str  # why nothing can be booked that day ("" when open)


def _choice(slot, length: int) -> Choice:
    return Choice(slot.start, slot.start + datetime.timedelta(minutes=length), length)


def choices_of(days, *, length: int) -> list[DayChoices]:
    """The free times of `length` minutes in `days` (bookings.availability.Day rows)."""
    return [
        DayChoices(
            day=entry.day,
            choices=[_choice(slot, length) for slot in entry.slots if slot.max_minutes >= length],
            closed=entry.closed,
        )
        for entry in days
    ]


def nearest_choices(slots, *, length: int) -> list[Choice]:
    """The nearest free slots (bookings.availability.nearest_free) as choices of `length`."""
    return [_choice(slot, length) for slot in slots if slot.max_minutes >= length]


@dataclass(frozen=True)
class Month:
    """A month of the calendar the availability page adds with JavaScript."""

    first: datetime.date  # its first day
    weeks: list[list[datetime.date | None]]  # rows of seven, None outside the month
    length: int
    previous: datetime.date | None  # first day of the previous month (None: before today)
    next: datetime.date | None  # first day of the next month (None: past the horizon)

    @property
    def days(self) -> int:
        return sum(1 for week in self.weeks for day in week if day is not None)

    def query(self, first: datetime.date) -> str:
        return urlencode({"month": first.strftime("%Y-%m"), "length": self.length})


def _month_start(value: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(value.strip()[:7], "%Y-%m").date()
    except ValueError:
        return None


def month_window(
    *,
    facility: Facility,
    query: Mapping[str, str],
    first_weekday: int = 0,
    now: datetime.datetime | None = None,
) -> Month:
    """The month `query` asks for (``?month=YYYY-MM&length=120``), clamped to the months
    from today's to the booking horizon's; weeks start on `first_weekday` (0 Sunday, 1
    Monday, as Django's FIRST_DAY_OF_WEEK)."""
    window = availability_window(facility=facility, query=query, now=now)
    today = timezone.localtime(now or timezone.now(), facility.time_zone).date()
    horizon = today + datetime.timedelta(days=facility.book_ahead_days)
    earliest, latest = today.replace(day=1), horizon.replace(day=1)
    first = _month_start(str(query.get("month", ""))) or window.first.replace(day=1)
    first = min(max(first, earliest), latest)
    following = (first + datetime.timedelta(days=31)).replace(day=1)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    cells: list[datetime.date | None] = [None] * ((first.isoweekday() - first_weekday) % 7)
    day = first
    while day < following:
        cells.append(day)
        day += datetime.timedelta(days=1)
    cells += [None] * (-len(cells) % 7)
    return Month(
        first=first,
        weeks=[cells[n : n + 7] for n in range(0, len(cells), 7)],
        length=window.length,
        previous=previous if first > earliest else None,
        next=following if following <= latest else None,
    )
