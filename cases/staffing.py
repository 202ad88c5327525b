"""Writes of staff memberships: who holds which role in which department.

The rights each role carries are in `cases.permissions`; these functions only record who
holds what, so the admin, the demo data and tests grant roles the same way.
"""

from __future__ import annotations

from django.db import transaction

from cases.models import Department, StaffMembership, StaffRole
from cases.permissions import forget_grants


def staff_membership_grant(
    *, user, role: str, department: Department | None = None
) -> StaffMembership:
    """Give `user` (a member of staff) `role` in `department`, or across the agency if None.

    Granting a role held already changes nothing. Raises ValueError for an unknown role or a
    user who is not staff.
    """
    if role not in StaffRole.values:
        raise ValueError(f"Unknown staff role {role!r}.")
    if not user.is_staff:
        raise ValueError("Only members of staff hold staff roles.")
    with transaction.atomic():
        membership, _created = StaffMembership.objects.get_or_create(
            user=user, department=department, role=role
        )
    forget_grants(user)
    return membership


def staff_membership_revoke(*, user, role: str, department: Department | None = None) -> int:
    """Take `role` in `department` (None: the agency-wide role) from `user`; return how many
    memberships went (0 or 1)."""
    with transaction.atomic():
        deleted, _ = StaffMembership.objects.filter(
            user=user, department=department, role=role
        ).delete()
    forget_grants(user)
    return deleted
