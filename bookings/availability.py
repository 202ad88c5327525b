"""Free slots of a facility for a day or a week, computed as sets.

A fixed number of queries whatever the number of bookings: the opening hours (prefetched or
one query), the closed dates of the window (one), the administrator's holidays (one, in
`cases.service_levels.closed_days`) and the occupied ranges of the window (one, through the
exclusion constraint's GiST index, with the times people wait for). The rest is arithmetic on
sorted ranges.

The rules, as the visitor reads them (the hold service refuses with the same words):

- a booking starts on the facility's grid: fixed slots are `slot_minutes` long from opening
  time, each next slot starting after the buffer; free ranges start every `slot_minutes`
  and last from `min_minutes` to `max_minutes` in steps of `slot_minutes`;
- it lies within one opening period of its day (the buffer may run past closing);
- it starts at least `lead_minutes` from now (so never in the past) and at most
  `book_ahead_days` days after today, in the agency's time zone;
- not on a closed date, nor on a public holiday if the facility closes on holidays;
- its range plus the buffer after it overlaps no occupying booking (held, pending, confirmed;
  a hold only until it expires), nor a time people wait for with its buffer (it goes to
  them first).
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange, NumericRange
from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.models import WAITLIST_LIVE, Blackout, Booking, Facility, SlotMode, WaitlistEntry
from bookings.models.bookings import FACILITY_POINT
from cases.service_levels import closed_days
from portal.localized import localized

MINUTE = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class Slot:
    """A free start: booked for `minutes` (the shortest), or up to `max_minutes` from here."""

    start: datetime.datetime
    minutes: int
    max_minutes: int
    step: int

    @property
    def end(self) -> datetime.datetime:
        return self.start + self.minutes * MINUTE

    @property
    def lengths(self) -> list[int]:
        return list(range(self.minutes, self.max_minutes + 1, self.step))


@dataclass
class Day:
    day: datetime.date
    slots: list[Slot] = field(default_factory=list)
    # Why nothing can be booked this day at all ("" when it is open).
    closed: str = ""


@dataclass(frozen=True)
class Calendar:
    """What the rules need beyond the facility: hours by weekday and closed dates."""

    hours: dict[int, list[tuple[datetime.time, datetime.time]]]
    closed: dict[datetime.date, str]


def calendar_for(*, facility: Facility, first: datetime.date, last: datetime.date) -> Calendar:
    """Opening hours and closed dates from `first` to `last` (two or three queries)."""
    hours: dict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
    for row in facility.hours.all():
        hours[row.weekday].append((row.opens, row.closes))
    for periods in hours.values():
        periods.sort()
    closed: dict[datetime.date, str] = {}
    if facility.closed_on_holidays:
        for day in closed_days(start=first, end=last):
            closed[day] = _("Closed for a public holiday.")
    blackouts = Blackout.objects.filter(facility=facility, starts_on__lte=last, ends_on__gte=first)
    for blackout in blackouts:
        reason = localized(blackout, "reason") or _("Closed on this date.")
        day = max(blackout.starts_on, first)
        while day <= min(blackout.ends_on, last):
            closed[day] = reason
            day += datetime.timedelta(days=1)
    return Calendar(hours=dict(hours), closed=closed)


def occupied_ranges(
    *, facility: Facility, start: datetime.datetime, end: datetime.datetime, now: datetime.datetime
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The ranges that keep slots between `start` and `end`, sorted and merged; one query.

    Two things keep a time from the visitor: a booking's buffered range (bookings never
    overlap each other: the exclusion constraint), and a time people wait for that has not
    started (from the moment its booking is cancelled until the last person waiting has had
    the offer: the first of them is offered it, `booking_hold` refuses it to anyone else, so
    the page does not show it), with the buffer after it that the offer's hold needs, as any
    booking's. Waited-for times may overlap bookings and each other, so the ranges are
    merged into one sorted line.
    """
    window = DateTimeTZRange(start, end, "[)")
    buffer = facility.buffer_minutes * MINUTE
    booked = (
        Booking.objects.occupying(now=now)
        .alias(point=FACILITY_POINT)
        .filter(
            point__overlap=NumericRange(facility.pk, facility.pk, "[]"),
            buffered__overlap=window,
        )
        .annotate(waited=Value(False))
        .order_by()
        .values_list("buffered", "waited")
    )
    waited_for = (
        WaitlistEntry.objects.filter(
            facility=facility,
            status__in=WAITLIST_LIVE,
            period__overlap=DateTimeTZRange(start - buffer, end, "[)"),
            period__startswith__gt=now,
        )
        .annotate(waited=Value(True))
        .order_by()
        .values_list("period", "waited")
    )
    ranges = sorted(
        (r.lower, r.upper + buffer if waited else r.upper)
        for r, waited in booked.union(waited_for, all=True)
    )
    merged: list[tuple[datetime.datetime, datetime.datetime]] = []
    for lower, upper in ranges:
        if merged and lower < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], upper))
        else:
            merged.append((lower, upper))
    return merged


def _step(facility: Facility) -> int:
    """Minutes between two starts on the grid."""
    if facility.slot_mode == SlotMode.FIXED:
        return facility.slot_minutes + facility.buffer_minutes
    return facility.slot_minutes


def _lengths(facility: Facility) -> tuple[int, int, int]:
    """(shortest, longest, step) of a booking, in minutes."""
    if facility.slot_mode == SlotMode.FIXED:
        return facility.slot_minutes, facility.slot_minutes, facility.slot_minutes
    return facility.min_minutes, facility.max_minutes, facility.slot_minutes


def _local(day: datetime.date, time: datetime.time, tz) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=tz)


def _last_day(facility: Facility, now: datetime.datetime) -> datetime.date:
    return timezone.localtime(now, facility.time_zone).date() + datetime.timedelta(
        days=facility.book_ahead_days
    )


def day_closed_reason(
    *, facility: Facility, day: datetime.date, calendar: Calendar, now: datetime.datetime
) -> str:
    """Why `day` cannot be booked at all, or ""."""
    today = timezone.localtime(now, facility.time_zone).date()
    if day < today:
        return _("This day has passed.")
    if day > _last_day(facility, now):
        return ngettext(
            "Bookings open %(days)d day ahead.",
            "Bookings open %(days)d days ahead.",
            facility.book_ahead_days,
        ) % {"days": facility.book_ahead_days}
    if day in calendar.closed:
        return calendar.closed[day]
    if not calendar.hours.get(day.weekday()):
        return _("Closed on this day of the week.")
    return ""


def _free_minutes(
    occupied: list[tuple[datetime.datetime, datetime.datetime]],
    starts: list[datetime.datetime],
    start: datetime.datetime,
    limit: datetime.datetime,
) -> int:
    """Minutes free from `start` (its buffer included) up to `limit`: 0 if `start` is taken."""
    index = bisect.bisect_right(starts, start)
    if index and occupied[index - 1][1] > start:
        return 0
    if index < len(occupied):
        limit = min(limit, occupied[index][0])
    return max(0, int((limit - start) / MINUTE))


def days_availability(
    *,
    facility: Facility,
    first: datetime.date,
    days: int = 1,
    now: datetime.datetime | None = None,
) -> list[Day]:
    """The free slots of `days` days from `first` (see the module's docstring)."""
    now = now or timezone.now()
    tz = facility.time_zone
    last = first + datetime.timedelta(days=days - 1)
    calendar = calendar_for(facility=facility, first=first, last=last)
    window_start = _local(first, datetime.time.min, tz)
    window_end = _local(last + datetime.timedelta(days=1), datetime.time.min, tz)
    # A booking just before the window may keep the first slot with its buffer.
    occupied = occupied_ranges(
        facility=facility,
        start=window_start - datetime.timedelta(minutes=facility.buffer_minutes),
        end=window_end + datetime.timedelta(minutes=facility.buffer_minutes),
        now=now,
    )
    starts = [lower for lower, _upper in occupied]
    shortest, longest, length_step = _lengths(facility)
    step = _step(facility)
    buffer = facility.buffer_minutes
    earliest = now + facility.lead_minutes * MINUTE
    result = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        entry = Day(
            day=day,
            closed=day_closed_reason(facility=facility, day=day, calendar=calendar, now=now),
        )
        result.append(entry)
        if entry.closed:
            continue
        for opens, closes in calendar.hours[day.weekday()]:
            period_start, period_end = _local(day, opens, tz), _local(day, closes, tz)
            start = period_start
            while start + shortest * MINUTE <= period_end:
                if start >= earliest:
                    within = int((period_end - start) / MINUTE)
                    free = _free_minutes(
                        occupied, starts, start, start + (longest + buffer) * MINUTE
                    )
                    fits = min(longest, within, free - buffer)
                    fits -= (fits - shortest) % length_step if fits >= shortest else 0
                    if fits >= shortest:
                        entry.slots.append(
                            Slot(start=start, minutes=shortest, max_minutes=fits, step=length_step)
                        )
                start += step * MINUTE
    return result


def rule_refusal(
    *,
    facility: Facility,
    start: datetime.datetime,
    minutes: int,
    now: datetime.datetime,
    calendar: Calendar,
) -> str:
    """Why a booking of `minutes` from `start` breaks the facility's rules, or "".

    Occupancy is not checked here: the database does it when the hold is written.
    """
    shortest, longest, length_step = _lengths(facility)
    if facility.slot_mode == SlotMode.FIXED and minutes != facility.slot_minutes:
        return _("This facility is booked in slots of %(minutes)d minutes.") % {
            "minutes": facility.slot_minutes
        }
    if minutes < shortest:
        return _("A booking here lasts at least %(minutes)d minutes.") % {"minutes": shortest}
    if minutes > longest:
        return _("A booking here lasts at most %(minutes)d minutes.") % {"minutes": longest}
    if (minutes - shortest) % length_step:
        return _("Choose a length in steps of %(minutes)d minutes.") % {"minutes": length_step}
    if start < now:
        return _("That time has passed. Choose a time from the list.")
    if start < now + facility.lead_minutes * MINUTE:
        return ngettext(
            "It is too late to book this time: book at least %(minutes)d minute ahead.",
            "It is too late to book this time: book at least %(minutes)d minutes ahead.",
            facility.lead_minutes,
        ) % {"minutes": facility.lead_minutes}
    local = timezone.localtime(start, facility.time_zone)
    closed = day_closed_reason(facility=facility, day=local.date(), calendar=calendar, now=now)
    if closed:
        return closed
    end = local + minutes * MINUTE
    for opens, closes in calendar.hours[local.date().weekday()]:
        period_start = _local(local.date(), opens, facility.time_zone)
        period_end = _local(local.date(), closes, facility.time_zone)
        if period_start <= local and end <= period_end:
            if int((local - period_start) / MINUTE) % _step(facility):
                return _("Choose a start time from the list.")
            return ""
    return _("That time is outside the opening hours.")


def nearest_free(
    *,
    facility: Facility,
    around: datetime.datetime,
    minutes: int,
    now: datetime.datetime | None = None,
    count: int = 3,
    days: int = 7,
) -> list[Slot]:
    """The `count` free slots nearest to `around` that fit `minutes`, within `days` days after
    its day (one availability read)."""
    now = now or timezone.now()
    day = timezone.localtime(around, facility.time_zone).date()
    found = [
        slot
        for entry in days_availability(facility=facility, first=day, days=days, now=now)
        for slot in entry.slots
        if slot.max_minutes >= minutes
    ]
    found.sort(key=lambda slot: abs(slot.start - around))
    return sorted(found[:count], key=lambda slot: slot.start)
