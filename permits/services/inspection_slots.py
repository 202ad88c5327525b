"""The inspectors' places: opening their half-days (or, at exact times, their quarter hours)
from their weekly shifts, and taking and freeing a place in them.

The capacity is held by the database (see `permits.models.inspections`): a place is taken by
one conditional UPDATE, and the slot's CHECK refuses any overbooking. Callers hold the
permit's case lock (permits.services.inspections) and call these inside their transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import F, Q

from permits.inspection_rules import AM, PERIOD_HOURS, PM, QUARTER_HOUR, offered_start, time_run
from permits.models import Inspection, InspectionSlot
from permits.selectors_inspections import agency_now, booking_rules, slot_filter

# Opening the inspectors' half-days from their weekly shifts: one statement for a range of
# days, skipping weekends and the closed days given, never touching a half-day that has rows
# (staff may have lowered its capacity for a day off; a shift changed to exact times applies
# from the days not opened yet). A block shift gives one row of its capacity; a shift at
# exact times one row of capacity one per quarter hour of its working time (its inspections
# times `appointment_minutes`, from the start of the half-day), each keeping the shift's
# minutes. Each row's span is in the agency's time zone.
_OPEN_SLOTS_SQL = """
INSERT INTO permits_inspectionslot
       (inspector_id, day, period, area_id, capacity, booked, starts_at, span, shift_minutes)
SELECT s.inspector_id, d.day::date, s.period, s.area_id,
       CASE WHEN s.appointment_minutes IS NULL THEN s.capacity ELSE 1 END, 0, t.starts_at,
       tstzrange((d.day::date + t.begins) AT TIME ZONE %(tz)s,
                 (d.day::date + t.ends) AT TIME ZONE %(tz)s, '[)'),
       s.appointment_minutes
  FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS d(day)
  JOIN permits_inspectorshift AS s ON s.weekday = extract(isodow FROM d.day)::int - 1
 CROSS JOIN LATERAL (
       SELECT CASE s.period WHEN %(am)s THEN %(am_opens)s::time ELSE %(pm_opens)s::time END
                  AS opens,
              CASE s.period WHEN %(am)s THEN %(am_closes)s::time ELSE %(pm_closes)s::time END
                  AS closes
       ) AS h
 CROSS JOIN LATERAL (
       SELECT NULL::time AS starts_at, h.opens AS begins, h.closes AS ends
        WHERE s.appointment_minutes IS NULL
        UNION ALL
       SELECT h.opens + n * make_interval(mins => %(quarter)s),
              h.opens + n * make_interval(mins => %(quarter)s),
              h.opens + (n + 1) * make_interval(mins => %(quarter)s)
         FROM generate_series(0, s.capacity * s.appointment_minutes / %(quarter)s - 1) AS n
        WHERE s.appointment_minutes IS NOT NULL
       ) AS t
 WHERE NOT (d.day::date = ANY(%(closed)s::date[]))
   AND NOT EXISTS (
       SELECT 1 FROM permits_inspectionslot AS x
        WHERE x.inspector_id = s.inspector_id AND x.day = d.day::date AND x.period = s.period)
    ON CONFLICT DO NOTHING
"""

_TAKE_SEAT_SQL = """
UPDATE permits_inspectionslot
   SET booked = booked + 1
 WHERE id = %s AND booked < capacity
RETURNING id
"""

_RELEASE_SEAT_SQL = "UPDATE permits_inspectionslot SET booked = booked - 1 WHERE id = %s"


def slots_open(*, start: datetime.date, end: datetime.date) -> int:
    """Make the inspectors' half-days from `start` to `end` from their weekly shifts, except
    on holidays; existing rows stay as they are. Returns how many were made. Safe to run
    twice, or in two processes at once."""
    closed = sorted(_closed_between(start, end))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _OPEN_SLOTS_SQL,
            {
                "start": start,
                "end": end,
                "closed": closed,
                "tz": settings.TIME_ZONE,
                "am": AM,
                "am_opens": PERIOD_HOURS[AM][0],
                "am_closes": PERIOD_HOURS[AM][1],
                "pm_opens": PERIOD_HOURS[PM][0],
                "pm_closes": PERIOD_HOURS[PM][1],
                "quarter": QUARTER_HOUR,
            },
        )
        return cursor.rowcount


def _closed_between(start: datetime.date, end: datetime.date):
    from cases.service_levels import closed_days

    return closed_days(start=start, end=end)


def slots_open_for_booking(*, now: datetime.datetime | None = None) -> int:
    """Open the half-days of every day an inspection may be booked for from now."""
    now = now or agency_now()
    rules = booking_rules()
    end = now.date() + datetime.timedelta(days=rules.days_ahead * 2 + 14)
    return slots_open(start=now.date() + datetime.timedelta(days=1), end=end)


def seat_candidates(*, day, period, area, starts_at=None, exclude_inspector=None) -> list[int]:
    rows = InspectionSlot.objects.filter(
        slot_filter(area), day=day, period=period, starts_at=starts_at
    )
    if exclude_inspector is not None:
        rows = rows.exclude(inspector=exclude_inspector)
    # Fill the area's own inspectors first, then the least booked.
    return list(
        rows.order_by(F("area_id").asc(nulls_last=True), "booked", "id").values_list(
            "id", flat=True
        )
    )


def seat_take(candidates: list[int]) -> InspectionSlot | None:
    """Take a place in the first of `candidates` (slot ids) with one left; None if none has.

    Each try is one conditional UPDATE: when several people want the last place, each waits
    on the row's lock and the condition is checked again on the row as the winner left it.
    """
    with connection.cursor() as cursor:
        for slot_id in candidates:
            cursor.execute(_TAKE_SEAT_SQL, [slot_id])
            if cursor.fetchone() is not None:
                return InspectionSlot.objects.get(pk=slot_id)
    return None


def seat_release(slot_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_RELEASE_SEAT_SQL, [slot_id])


def _held_slots(inspection: Inspection):
    """The slot rows `inspection` holds a place in: its half-day, or every quarter hour of its
    inspector that its span overlaps (the span stored at booking, so an administrator
    changing the inspection's minutes later frees exactly what was taken)."""
    if inspection.span is None:
        return InspectionSlot.objects.filter(pk=inspection.slot_id)
    return InspectionSlot.objects.filter(
        inspector_id=inspection.inspector_id,
        day=inspection.day,
        starts_at__isnull=False,
        span__overlap=inspection.span,
    )


def seats_release(inspection: Inspection) -> None:
    """Free every place the booked `inspection` holds."""
    _held_slots(inspection).update(booked=F("booked") - 1)


@dataclass(frozen=True)
class _Run:
    """An inspection starting at one quarter hour: the rows it would hold, its span, the row
    just before it (None at the start of the working time or after a gap), and whether the
    start is one of the shift's own (`permits.inspection_rules.on_spacing`)."""

    held: list[int]
    span: tuple
    before: int | None
    row: InspectionSlot


def _runs(candidates: list[int], minutes: int | None) -> dict[int, _Run]:
    """For each candidate quarter hour (slot id), what an inspection of `minutes` (None: the
    shift's minutes) from it holds; candidates where it does not fit in the inspector's
    working time are left out.

    The quarter hours of both half-days of the inspector's day are one list: a long
    inspection runs on from the morning's last into the afternoon's first when the inspector
    works the afternoon at exact times too (11:30 to 12:30 holds 11:30, 11:45, 12:00 and
    12:15), and does not fit where the morning ends the shift or the afternoon is booked as a
    block."""
    starts = InspectionSlot.objects.filter(pk__in=candidates, starts_at__isnull=False)
    keys = {(row.inspector_id, row.day) for row in starts}
    if not keys:
        return {}
    times: dict[tuple, list[InspectionSlot]] = {}
    query = Q()
    for inspector_id, day in keys:
        query |= Q(inspector_id=inspector_id, day=day)
    for row in (
        InspectionSlot.objects.filter(query, starts_at__isnull=False)
        .only("id", "inspector_id", "day", "period", "span", "starts_at", "shift_minutes")
        .order_by("inspector_id", "day", "starts_at")
    ):
        times.setdefault((row.inspector_id, row.day), []).append(row)
    runs = {}
    for start in starts:
        rows = times[(start.inspector_id, start.day)]
        first = next(index for index, row in enumerate(rows) if row.pk == start.pk)
        spans = [(row.span.lower, row.span.upper) for row in rows]
        run = time_run(spans, first, minutes or start.shift_minutes)
        if run is not None:
            held, span = run
            before = rows[first - 1] if first else None
            contiguous = before is not None and before.span.upper == start.span.lower
            runs[start.pk] = _Run(
                [rows[index].pk for index in held], span, before.pk if contiguous else None, start
            )
    return runs


def seats_take_timed(
    candidates: list[int],
    *,
    minutes: int | None,
    moving: Inspection | None = None,
    any_start: bool = False,
) -> tuple[InspectionSlot, DateTimeTZRange] | str:
    """Take the places of an inspection of `minutes` (None: the shift's) at the first
    candidate quarter hour (slot ids) that is offered as a start and from which every
    quarter hour it overlaps is free. Returns the starting slot and the span the inspection
    takes, or why nothing was taken: "too_long" (from no candidate does it fit in the
    working time), "not_offered" (no candidate is a start: neither one of the shift's own
    nor right after a booked inspection; `any_start`, for staff, allows any quarter hour) or
    "full" (the quarter hours are taken).

    Every slot involved (those of each candidate, the quarter hour just before it, and those
    `moving` holds now) is locked in primary-key order before any is read, so two bookings
    never wait on each other in a cycle; `moving`'s places are freed first, so an inspection
    may move onto part of its own time, and its own end is not a booking to start after.
    The caller's transaction rolls back the release if nothing is taken.
    """
    runs = _runs(candidates, minutes)
    if not runs:
        return "too_long" if candidates else "not_offered"
    ids = {slot_id for run in runs.values() for slot_id in run.held}
    ids |= {run.before for run in runs.values() if run.before is not None}
    if moving is not None:
        ids |= set(_held_slots(moving).values_list("pk", flat=True))
    list(
        InspectionSlot.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if moving is not None:
        seats_release(moving)
    state = dict(
        InspectionSlot.objects.filter(pk__in=ids).values_list("pk", F("capacity") - F("booked"))
    )
    booked = set(
        InspectionSlot.objects.filter(pk__in=ids, booked__gt=0).values_list("pk", flat=True)
    )
    offered = False
    for slot_id in candidates:
        run = runs.get(slot_id)
        if run is None:
            continue
        if not any_start and not offered_start(
            run.row.starts_at,
            run.row.period,
            run.row.shift_minutes,
            after_booking=run.before in booked,
        ):
            continue
        offered = True
        if all(state[held] > 0 for held in run.held):
            # The CHECK on each slot still refuses an overbooking, whatever happened above.
            InspectionSlot.objects.filter(pk__in=run.held).update(booked=F("booked") + 1)
            lower, upper = run.span
            return InspectionSlot.objects.get(pk=slot_id), DateTimeTZRange(lower, upper, "[)")
    return "full" if offered else "not_offered"


__all__ = [
    "seat_candidates",
    "seat_release",
    "seat_take",
    "seats_release",
    "seats_take_timed",
    "slots_open",
    "slots_open_for_booking",
]
