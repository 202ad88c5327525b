"""The agency's rules for booking inspections, as pure functions of the clock and the calendar.

Nothing here reads the database: callers pass the time now (aware), the rules in force
(`BookingRules`, from `permits.models.InspectionRules`) and the closed days (weekends are
always closed; holidays come from `cases.service_levels.closed_days`). So every rule is
tested at its boundaries without a database, and the booking service, the page that
states the rules and the reminder all agree.

The rules, as the applicant reads them:

- **Cut-off.** An inspection on a working day is booked by the cut-off time (noon by
  default) of the working day before it: inspectors plan their routes then. Booked on
  Tuesday at 11:59, Wednesday is open; at 12:00 the first day is Thursday. On a Saturday,
  Monday is already closed (Friday's cut-off has passed).
- **How far ahead.** Up to `days_ahead` working days after today.
- **Holidays and weekends** are never offered.
- **Changes.** An inspection may be moved or cancelled until the change deadline on its
  own day (6:30 a.m. by default); after that, the applicant calls the office.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass

# Saturday and Sunday (date.weekday()), as in cases.service_levels.
WEEKEND = frozenset({5, 6})

AM = "am"
PM = "pm"
PERIODS = (AM, PM)

# When each half-day runs: a block booking is "some time" in it; exact times start from its
# beginning, one inspection every shift's `appointment_minutes`.
PERIOD_HOURS = {
    AM: (datetime.time(8, 0), datetime.time(12, 0)),
    PM: (datetime.time(12, 0), datetime.time(16, 0)),
}
PERIOD_MINUTES = 240
# A shift at exact times is opened in quarter hours: an inspection takes as many as its
# length overlaps, and leaves the rest of the shift's time to others.
QUARTER_HOUR = 15


def period_of(time: datetime.time) -> str:
    """The half-day an exact time falls in."""
    return AM if time < PERIOD_HOURS[PM][0] else PM


DEFAULT_CUTOFF = datetime.time(12, 0)
DEFAULT_DAYS_AHEAD = 10
DEFAULT_CHANGE_DEADLINE = datetime.time(6, 30)


@dataclass(frozen=True)
class BookingRules:
    """When inspections may be booked, moved and cancelled (see the module's docstring)."""

    cutoff: datetime.time = DEFAULT_CUTOFF
    days_ahead: int = DEFAULT_DAYS_AHEAD
    change_deadline: datetime.time = DEFAULT_CHANGE_DEADLINE

    def __post_init__(self) -> None:
        if self.days_ahead < 1:
            raise ValueError("Inspections must be bookable at least one working day ahead.")


def is_working_day(day: datetime.date, closed: Collection[datetime.date]) -> bool:
    return day.weekday() not in WEEKEND and day not in closed


def previous_working_day(day: datetime.date, closed: Collection[datetime.date]) -> datetime.date:
    """The last working day before `day`."""
    day -= datetime.timedelta(days=1)
    while not is_working_day(day, closed):
        day -= datetime.timedelta(days=1)
    return day


def next_working_day(day: datetime.date, closed: Collection[datetime.date]) -> datetime.date:
    """The first working day after `day`."""
    day += datetime.timedelta(days=1)
    while not is_working_day(day, closed):
        day += datetime.timedelta(days=1)
    return day


def booking_closes_at(
    day: datetime.date, rules: BookingRules, closed: Collection[datetime.date], tz
) -> datetime.datetime:
    """The moment bookings for `day` close: the cut-off on the working day before it."""
    return datetime.datetime.combine(previous_working_day(day, closed), rules.cutoff, tzinfo=tz)


def last_bookable_day(
    now: datetime.datetime, rules: BookingRules, closed: Collection[datetime.date]
) -> datetime.date:
    """The `days_ahead`-th working day after today (`now`'s date)."""
    day = now.date()
    for _ in range(rules.days_ahead):
        day = next_working_day(day, closed)
    return day


def bookable_days(
    now: datetime.datetime, rules: BookingRules, closed: Collection[datetime.date]
) -> list[datetime.date]:
    """The days an inspection may be booked for at `now` (aware, in the agency's zone), in
    order: working days after today, up to `days_ahead` of them, whose cut-off has not
    passed."""
    if now.tzinfo is None:
        raise ValueError("The time now must be aware of its time zone.")
    last = last_bookable_day(now, rules, closed)
    days = []
    day = next_working_day(now.date(), closed)
    while day <= last:
        if now < booking_closes_at(day, rules, closed, now.tzinfo):
            days.append(day)
        day = next_working_day(day, closed)
    return days


def day_refusal(
    day: datetime.date,
    now: datetime.datetime,
    rules: BookingRules,
    closed: Collection[datetime.date],
) -> str:
    """Why `day` cannot be booked at `now`: a code of `DAY_REFUSALS`, or "" when it can."""
    if day <= now.date():
        return "past"
    if not is_working_day(day, closed):
        return "closed" if day.weekday() not in WEEKEND else "weekend"
    if day > last_bookable_day(now, rules, closed):
        return "too_far"
    if now >= booking_closes_at(day, rules, closed, now.tzinfo):
        return "cutoff"
    return ""


# The codes `day_refusal` returns; the service words them for the applicant.
DAY_REFUSALS = ("past", "closed", "weekend", "too_far", "cutoff")


def change_deadline(day: datetime.date, rules: BookingRules, tz) -> datetime.datetime:
    """Until when an inspection on `day` may be moved or cancelled by the applicant."""
    return datetime.datetime.combine(day, rules.change_deadline, tzinfo=tz)


def may_change(now: datetime.datetime, day: datetime.date, rules: BookingRules) -> bool:
    """May the applicant still move or cancel an inspection booked on `day`, at `now`?"""
    return now < change_deadline(day, rules, now.tzinfo)


def reminder_day(day: datetime.date, closed: Collection[datetime.date]) -> datetime.date:
    """The working day before an inspection on `day`: when its reminder goes out."""
    return previous_working_day(day, closed)


def time_run(
    spans: Sequence[tuple[datetime.datetime, datetime.datetime]],
    first: int,
    minutes: int,
) -> tuple[list[int], tuple[datetime.datetime, datetime.datetime]] | None:
    """The quarter hours an inspection of `minutes` starting at `spans[first]` holds, and
    the span it takes.

    `spans` are one inspector's quarter hours of one day (the morning's, then the
    afternoon's), in order. The inspection holds every one its span overlaps (30 minutes
    two, 20 minutes two, an hour from 11:30 the morning's last two and the afternoon's first
    two). None when the span runs past the last quarter hour or over a gap (the end of a
    morning shift, an afternoon booked as a block).
    """
    start, _upper = spans[first]
    end = start + datetime.timedelta(minutes=minutes)
    held: list[int] = []
    reached = start
    for index in range(first, len(spans)):
        lower, upper = spans[index]
        if lower >= end:
            break
        if lower != reached:
            return None
        held.append(index)
        reached = upper
    if reached < end:
        return None
    return held, (start, end)


def on_spacing(starts_at: datetime.time, period: str, shift_minutes: int) -> bool:
    """Is `starts_at` one of the shift's own starts: a whole number of its minutes per
    inspection from the start of the half-day (on the hour for a shift of 60)?"""
    opens = PERIOD_HOURS[period][0]
    offset = (starts_at.hour * 60 + starts_at.minute) - (opens.hour * 60 + opens.minute)
    return offset >= 0 and offset % shift_minutes == 0


def offered_start(
    starts_at: datetime.time, period: str, shift_minutes: int, *, after_booking: bool
) -> bool:
    """Is a quarter hour offered as the start of an inspection? At the shift's own starts
    (`on_spacing`), and right after a booked inspection (`after_booking`: the quarter hour
    before it is booked), so a short inspection leaves the rest of its time to another."""
    return after_booking or on_spacing(starts_at, period, shift_minutes)
