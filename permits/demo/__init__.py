"""Demo permit data for `seed_demo`: the reviewing departments, the contractor licenses to
try the contractor check with, the permit types, then the demo permits at every stage.

Each part of the app adds its own demo rows through `seed()` below. Running it again creates
only what is missing; an administrator's changes to a type are kept. The rows live in
`staff` (departments, the inspector's shifts in the city's wards), `contractors`, `types`
(permit types and fee schedules), `examples` (the demo permits and their stages), `permits`
(which takes each demo permit to its stage through the services) and `reviews` (which takes
a permit's plan review to its stage, for `permits`).
"""

from __future__ import annotations

from django.db import transaction

from permits.demo.contractors import (
    CONTRACTOR_TYPES,
    CONTRACTORS,
    seed_contractor_types,
    seed_contractors,
)
from permits.demo.staff import DEPARTMENTS, seed_departments
from permits.demo.types import REINSPECTION_FEES, TYPES, VALUATION_TABLE, seed_type

__all__ = [
    "CONTRACTORS",
    "CONTRACTOR_TYPES",
    "DEPARTMENTS",
    "REINSPECTION_FEES",
    "TYPES",
    "VALUATION_TABLE",
    "seed",
]


def seed() -> None:
    """Create the departments, contractor licenses and permit types that are missing, then
    the demo permits at every stage (permits.demo.permits)."""
    from permits.demo import permits as demo_permits

    with transaction.atomic():
        departments = seed_departments()
        seed_contractor_types()
        seed_contractors()
        for row in TYPES:
            seed_type(row, departments)
    demo_permits.seed()
