"""The inspectors' places: opening their half-days (or exact times) from their weekly
shifts, and taking and freeing a place in one.

The capacity is held by the database (see `permits.models.inspections`): a place is taken by
one conditional UPDATE, and the slot's CHECK refuses any overbooking. Callers hold the
permit's case lock (permits.services.inspections) and call these inside their transaction.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from permits.inspection_rules import AM, PERIOD_HOURS, PM
from permits.models import InspectionSlot
from permits.selectors_inspections import agency_now, booking_rules, slot_filter

# Opening the inspectors' half-days from their weekly shifts: one statement for a range of
# days, skipping weekends and the closed days given, never touching a half-day that has rows
# (staff may have lowered its capacity for a day off; a shift changed to exact times applies
# from the days not opened yet). A block shift gives one row of its capacity; a shift at
# exact times one row of capacity one per time, `appointment_minutes` apart from the start
# of the half-day. Each row's span is in the agency's time zone.
_OPEN_SLOTS_SQL = """
INSERT INTO permits_inspectionslot
       (inspector_id, day, period, area_id, capacity, booked, starts_at, span)
SELECT s.inspector_id, d.day::date, s.period, s.area_id,
       CASE WHEN s.appointment_minutes IS NULL THEN s.capacity ELSE 1 END, 0, t.starts_at,
       tstzrange((d.day::date + t.begins) AT TIME ZONE %(tz)s,
                 (d.day::date + t.ends) AT TIME ZONE %(tz)s, '[)')
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
       SELECT h.opens + n * make_interval(mins => s.appointment_minutes),
              h.opens + n * make_interval(mins => s.appointment_minutes),
              h.opens + (n + 1) * make_interval(mins => s.appointment_minutes)
         FROM generate_series(0, s.capacity - 1) AS n
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


__all__ = ["seat_candidates", "seat_release", "seat_take", "slots_open", "slots_open_for_booking"]
