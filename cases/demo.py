"""Demo staff roles for `manage.py seed_demo` (runs after accounts' demo accounts).

The demo clerk works every department's cases and is also the cashier (takes counter
payments, refunds); the demo inspector reaches the cases assigned to them. The
administrator is a superuser and needs no role for their rights, but holds the supervisor
role across the agency so that overdue cases are escalated to someone (cases/escalations.py).
See cases/permissions.py for the rights.

The city's three wards are drawn before the services' demo cases are sent, so each is
placed in its ward (`seed_areas`). `as_of(day)` lets other apps' demo data be sent in the
past, so the queues show overdue cases with a timeline that agrees.
"""

from __future__ import annotations

import contextlib
import datetime
from unittest import mock

from django.apps import apps
from django.utils import timezone

from accounts.demo import ADMINISTRATOR, CLERK, INSPECTOR
from accounts.models import User
from cases.models import StaffRole
from cases.staffing import staff_membership_grant

ROLES = {
    CLERK.email: [StaffRole.CLERK, StaffRole.CASHIER],
    INSPECTOR.email: [StaffRole.INSPECTOR],
    ADMINISTRATOR.email: [StaffRole.SUPERVISOR],
}

_real_now = timezone.now


@contextlib.contextmanager
def as_of(day: datetime.date):
    """Demo data only: what is created inside happens at 9:00 on `day`, agency time (cases
    sent, their stages and due dates, their timeline). Never for anything but seed_demo."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    with mock.patch.object(timezone, "now", return_value=moment) as now:
        # Fields whose default is `timezone.now` hold the function itself, not its name:
        # they are pointed at the patched clock too, and back afterwards (Django caches a
        # field's default callable, hence the cache dropped both times).
        fields = [
            field
            for model in apps.get_models()
            for field in model._meta.concrete_fields
            if field.default is _real_now
        ]
        for field in fields:
            field.default = now
            field.__dict__.pop("_get_default", None)
        try:
            yield
        finally:
            for field in fields:
                field.default = _real_now
                field.__dict__.pop("_get_default", None)


def seed() -> None:
    """Give the demo staff their roles across the agency and draw the city's wards (only
    what is missing)."""
    seed_areas()
    for email, roles in ROLES.items():
        user = User.objects.filter(email__iexact=email, is_staff=True).first()
        if user is None:
            continue
        for role in roles:
            staff_membership_grant(user=user, role=role)


def _ward(west: float, south: float, east: float, north: float) -> dict:
    corners = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [corners]}


# The city's wards, covering the demo's reports, facilities and ZIP codes: (code, name, name
# in Spanish, boundary, ZIP codes for addresses without a point).
AREAS = [
    (
        "ward-1",
        "Ward 1 (North West)",
        "Distrito 1 (Noroeste)",
        _ward(-89.78, 39.795, -89.645, 39.88),
        ["62702", "62707"],
    ),
    (
        "ward-2",
        "Ward 2 (North East)",
        "Distrito 2 (Noreste)",
        _ward(-89.645, 39.795, -89.55, 39.88),
        ["62701"],
    ),
    (
        "ward-3",
        "Ward 3 (South)",
        "Distrito 3 (Sur)",
        _ward(-89.78, 39.69, -89.55, 39.795),
        ["62703", "62704"],
    ),
]


def seed_areas() -> None:
    """The demo wards (only those missing); the open cases already there placed in them."""
    from cases.areas.boundaries import boundary_parse
    from cases.areas.locating import area_save, areas_reassign
    from cases.areas.models import Area

    created = False
    for code, name, name_es, boundary, postal_codes in AREAS:
        if Area.objects.filter(code=code).exists():
            continue
        area = Area(code=code, name=name, name_es=name_es, postal_codes=postal_codes)
        area_save(area=area, boundary=boundary_parse(boundary))
        created = True
    if created:
        areas_reassign()
