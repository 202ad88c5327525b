"""Demo staff roles for `manage.py seed_demo` (runs after accounts' demo accounts).

The demo clerk works every department's cases and is also the cashier (takes counter
payments, refunds); the demo inspector reaches the cases assigned to them. The
administrator is a superuser and needs no role. See cases/permissions.py for the rights.
"""

from __future__ import annotations

from accounts.demo import CLERK, INSPECTOR
from accounts.models import User
from cases.models import StaffRole
from cases.staffing import staff_membership_grant

ROLES = {
    CLERK.email: [StaffRole.CLERK, StaffRole.CASHIER],
    INSPECTOR.email: [StaffRole.INSPECTOR],
}


def seed() -> None:
    """Give the demo staff their roles across the agency (only what is missing)."""
    for email, roles in ROLES.items():
        user = User.objects.filter(email__iexact=email, is_staff=True).first()
        if user is None:
            continue
        for role in roles:
            staff_membership_grant(user=user, role=role)
