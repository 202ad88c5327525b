"""A day asked for in a page's query string (`?day=2026-12-07`).

Pages that show a day link to the day before and after it, so a day at the calendar's edge
(year 1 or 9999) would overflow; any day outside `EARLIEST`..`LATEST` reads as no day, and the
page shows its default.
"""

from __future__ import annotations

import datetime

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2999, 12, 31)


def query_day(value: str | None) -> datetime.date | None:
    """`value` as a date (YYYY-MM-DD) between EARLIEST and LATEST, else None."""
    try:
        day = datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None
