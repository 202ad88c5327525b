"""Who on staff works property taxes: the roles of `cases.permissions`, in the tax
collector's department (DEPARTMENT_CODE, made by taxes' migrations; an administrator may
rename it).

Bills are not cases, so rights are asked of the department: seeing bills, payments and the
delinquency list is VIEW (clerks, reviewers, supervisors, administrators of the department
or with an agency-wide role, and cashiers); adjusting and abating a bill is MOVE (the same
but cashiers; inspectors never). Refusals raise PermissionDenied with words for the member of staff.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cases import permissions

DEPARTMENT_CODE = "TAXES"


def may_work_taxes(user, action: str = permissions.VIEW) -> bool:
    """May `user` do `action` on property taxes? Seeing bills and payments (VIEW) is also
    open to those who may refund (cashiers, supervisors), who refund tax credits."""
    if action == permissions.VIEW and permissions.can(user, permissions.REFUND):
        return True
    return permissions.can(user, action, DEPARTMENT_CODE)


def require_tax_staff(user, action: str = permissions.VIEW) -> None:
    if not may_work_taxes(user, action):
        raise PermissionDenied(_("Only staff of the tax collector's office may."))
