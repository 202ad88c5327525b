"""The demo's staff side for `seed_demo`: the departments that review permits, the parts of
the city the inspectors cover, the demo inspector's weekly shifts, and who plays each role in
the demo permits' stories.
"""

from __future__ import annotations

import dataclasses

from accounts.models import User
from cases.models import Department
from permits.models import InspectionArea, InspectorShift, Period

DEPARTMENTS = {
    "BUILDING": "Building Safety",
    "ZONING": "Planning and Zoning",
    "FIRE": "Fire Prevention",
    "PUBLIC_WORKS": "Public Works",
    "HEALTH": "Environmental Health",
}

# Parts of the city some inspectors cover, by ZIP code: (code, name, name in Spanish, ZIPs).
AREAS = [
    ("north", "North Springfield", "Norte de Springfield", ["62702", "62707"]),
    ("south", "South Springfield", "Sur de Springfield", ["62703", "62704"]),
]
# The demo inspector's week: mornings in one area (Monday, Wednesday, Friday north; Tuesday,
# Thursday south), afternoons anywhere in the city, four inspections a half-day.
SHIFTS = [
    (0, Period.AM, "north"),
    (1, Period.AM, "south"),
    (2, Period.AM, "north"),
    (3, Period.AM, "south"),
    (4, Period.AM, "north"),
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
    areas = {}
    for code, name, name_es, postal_codes in AREAS:
        areas[code] = InspectionArea.objects.get_or_create(
            code=code, defaults={"name": name, "name_es": name_es, "postal_codes": postal_codes}
        )[0]
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
