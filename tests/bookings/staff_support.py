"""Staff of Parks (the bookings workflow's department) and of another department, and
bookings waiting for approval, for the staff services' and pages' tests."""

from __future__ import annotations

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from bookings import workflow
from cases.models import Department
from tests.accounts.factories import StaffFactory
from tests.bookings.checkout_support import confirmed, pavilion


def parks() -> Department:
    # Bookings' migration makes it; a transactional test's flush may have removed it.
    department, _created = Department.objects.get_or_create(
        code=workflow.DEPARTMENT_CODE, defaults={"name": "Parks and Recreation"}
    )
    return department


def library() -> Department:
    department, _created = Department.objects.get_or_create(
        code="LIBRARY", defaults={"name": "Library"}
    )
    return department


def parks_staff(role: str = "clerk", *, mfa: bool = False):
    user = StaffFactory(roles=[(role, parks())])
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    return user


def library_staff(*, mfa: bool = False):
    user = StaffFactory(roles=[("clerk", library())])
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    return user


def awaiting_approval(**kwargs):
    """A paid booking of a pavilion that needs approval ($80 fee + $50 deposit)."""
    parks()
    facility = pavilion(needs_approval=True, **kwargs)
    return confirmed(facility)
