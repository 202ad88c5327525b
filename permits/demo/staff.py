"""The demo's staff side for `seed_demo`: the departments that review permits, the demo
inspector's weekly shifts (some in the city's wards, `cases.demo`), and who plays each role in
the demo permits' stories.
"""

from __future__ import annotations

import dataclasses

from accounts.models import User
from cases import demo as cases_demo
from cases.areas.models import Area
from cases.models import Department
from permits.models import InspectorShift, Period

DEPARTMENTS = {
    "BUILDING": "Building Safety",
    "ZONING": "Planning and Zoning",
    "FIRE": "Fire Prevention",
    "PUBLIC_WORKS": "Public Works",
    "HEALTH": "Environmental Health",
}

# The demo inspector's week: mornings in one of the city's wards (`cases.demo.AREAS`; Monday,
# Wednesday, Friday ward 1 in the north west; Tuesday, Thursday ward 3 in the south),
# afternoons anywhere in the city, four inspections a half-day.
SHIFTS = [
    (0, Period.AM, "ward-1"),
    (1, Period.AM, "ward-3"),
    (2, Period.AM, "ward-1"),
    (3, Period.AM, "ward-3"),
    (4, Period.AM, "ward-1"),
    *[(weekday, Period.PM, None) for weekday in range(5)],
]
SHIFT_CAPACITY = 4
# The afternoons are booked at exact times (noon, 1, 2 and 3 p.m.), the mornings as a block,
# so a fresh installation shows both ways an administrator may set a shift.
AFTERNOON_MINUTES = 60


@dataclasses.dataclass
class Staff:
    reviewer: User
    cashier: User
    inspector: User


def seed_departments() -> dict[str, Department]:
    return {
        code: Department.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in DEPARTMENTS.items()
    }


def seed_shifts(inspector: User) -> None:
    cases_demo.seed_areas()  # the wards (only those missing)
    areas = Area.objects.in_bulk([code for _, _, code in SHIFTS if code], field_name="code")
    if InspectorShift.objects.filter(inspector=inspector).exists():
        return  # the administrator's changes to the demo week stay
    InspectorShift.objects.bulk_create(
        InspectorShift(
            inspector=inspector,
            weekday=weekday,
            period=period,
            area=areas[area] if area else None,
            capacity=SHIFT_CAPACITY,
            appointment_minutes=AFTERNOON_MINUTES if period == Period.PM else None,
        )
        for weekday, period, area in SHIFTS
    )
