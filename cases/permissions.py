"""What each member of staff may see and do: roles in departments, checked in one place.

Every service, selector and admin page that acts for staff asks this module, so a back
office outside the Django admin inherits the same rules:

- `is_active_staff(user)`: the one test of "is this a member of staff who may act at all";
- `can(user, action, obj)`: may `user` do `action` to `obj` (a Case, a Department, a
  department code, or None for "anywhere in the agency")?
- `require(user, action, obj)`: the same, raising PermissionDenied (or the caller's error);
- `case_scope(user, action)`: a query condition for the cases `user` may `action`, for
  selectors and admin querysets.

A member of staff holds roles (`cases.models.StaffRole`) in departments, or across the
agency (a membership without a department). What each role may do is the table below:

=============== ===== ======== ========= ======= ========== =============
action          clerk reviewer inspector cashier supervisor administrator
=============== ===== ======== ========= ======= ========== =============
view            yes   yes      assigned  no      yes        yes
note            yes   yes      assigned  no      yes        yes
assign          yes   no       no        no      yes        yes
move            yes   yes      no        no      yes        yes
message         yes   yes      no        no      yes        yes
view_documents  yes   yes      no        no      yes        yes
take_payment    yes   no       no        yes     yes        yes
refund          no    no       no        yes     yes        yes
=============== ===== ======== ========= ======= ========== =============

"assigned": an inspector works only the cases assigned to them, in their departments.
Case actions follow the case's department (a case without one is worked only by staff with
an agency-wide role). Money (`take_payment`, `refund`) is the agency's counter: a role in any
department grants it on every invoice. Superusers keep every right. Nobody messages a
resident about a draft: it is still the resident's own, not yet sent to anyone.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext

from cases.models import Case, CaseStatus, Department, StaffMembership, StaffRole

VIEW = "view"
NOTE = "note"
ASSIGN = "assign"
MOVE = "move"
MESSAGE = "message"
VIEW_DOCUMENTS = "view_documents"
TAKE_PAYMENT = "take_payment"
REFUND = "refund"

R = StaffRole
_CASE_WORKERS = frozenset({R.CLERK, R.REVIEWER, R.INSPECTOR, R.SUPERVISOR, R.ADMINISTRATOR})
_DECIDERS = frozenset({R.CLERK, R.REVIEWER, R.SUPERVISOR, R.ADMINISTRATOR})

# The roles that grant each action.
ROLES: dict[str, frozenset[str]] = {
    VIEW: _CASE_WORKERS,
    NOTE: _CASE_WORKERS,
    ASSIGN: frozenset({R.CLERK, R.SUPERVISOR, R.ADMINISTRATOR}),
    MOVE: _DECIDERS,
    MESSAGE: _DECIDERS,
    VIEW_DOCUMENTS: _DECIDERS,
    TAKE_PAYMENT: frozenset({R.CLERK, R.CASHIER, R.SUPERVISOR, R.ADMINISTRATOR}),
    REFUND: frozenset({R.CASHIER, R.SUPERVISOR, R.ADMINISTRATOR}),
}
ACTIONS = frozenset(ROLES)
# Actions on the agency's money rather than on one department's cases.
MONEY_ACTIONS = frozenset({TAKE_PAYMENT, REFUND})
# Roles that reach a case only when it is assigned to them.
ASSIGNED_ONLY = frozenset({R.INSPECTOR})

_GRANTS_ATTRIBUTE = "_staff_grants"
_DEPARTMENT_IDS_ATTRIBUTE = "_staff_department_ids"


def is_active_staff(user) -> bool:
    """True for a signed-in, active member of staff (whatever their roles)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
    )


def may_read_analytics(user) -> bool:
    """True for active staff who supervise or administer, in any department or across the
    agency (the analytics are agency-wide figures, with no personal data)."""
    if not is_active_staff(user):
        return False
    return user.is_superuser or any(
        role in (R.SUPERVISOR, R.ADMINISTRATOR) for _department, role in grants(user)
    )


def grants(user) -> frozenset[tuple[int | None, str]]:
    """The (department id or None, role) pairs `user` holds, read once per user object."""
    cached = getattr(user, _GRANTS_ATTRIBUTE, None)
    if cached is None:
        cached = frozenset(
            StaffMembership.objects.filter(user_id=user.pk).values_list("department_id", "role")
        )
        setattr(user, _GRANTS_ATTRIBUTE, cached)
    return cached


def forget_grants(user) -> None:
    """Drop the grants read for this user object (after their memberships changed)."""
    if hasattr(user, _GRANTS_ATTRIBUTE):
        delattr(user, _GRANTS_ATTRIBUTE)


def _department_id(obj) -> int | None:
    if isinstance(obj, Department):
        return obj.pk
    if isinstance(obj, str):
        return Department.objects.filter(code=obj).values_list("pk", flat=True).first()
    raise TypeError(f"can() takes a Case, a Department, a department code or None, not {obj!r}.")


def _department_id_by_code(user, code: str) -> int | None:
    """The department's id for `code`, read once per user object (a page asking about one
    department for each link it lists reads it once)."""
    known = getattr(user, _DEPARTMENT_IDS_ATTRIBUTE, None)
    if known is None:
        known = {}
        setattr(user, _DEPARTMENT_IDS_ATTRIBUTE, known)
    if code not in known:
        known[code] = _department_id(code)
    return known[code]


def _check_action(action: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"Unknown staff action {action!r}; use one of {sorted(ACTIONS)}.")


def can(user, action: str, obj=None) -> bool:
    """May `user` do `action` to `obj`? See the module's table.

    `obj` is a Case (its department and assignee count), a Department or its code (may the
    user do this in that department, to a case assigned to them), or None (anywhere).
    Raises ValueError for an unknown action.
    """
    _check_action(action)
    if isinstance(obj, Case) and action == MESSAGE and obj.status == CaseStatus.DRAFT:
        return False
    if not is_active_staff(user):
        return False
    if user.is_superuser:
        return True
    roles = ROLES[action]
    held = [(department, role) for department, role in grants(user) if role in roles]
    if not held:
        return False
    if obj is None or action in MONEY_ACTIONS:
        return True
    if isinstance(obj, Case):
        department_id, assigned = obj.department_id, obj.assignee_id == user.pk
    elif isinstance(obj, str):
        department_id, assigned = _department_id_by_code(user, obj), True
    else:
        department_id, assigned = _department_id(obj), True
    return any(
        (department is None or department == department_id)
        and (assigned or role not in ASSIGNED_ONLY)
        for department, role in held
    )


def require(
    user,
    action: str,
    obj=None,
    *,
    exception: type[Exception] = PermissionDenied,
    message: str = "",
) -> None:
    """Raise `exception` (PermissionDenied unless given) with `message` unless
    `can(user, action, obj)`."""
    if not can(user, action, obj):
        raise exception(message or gettext("Your staff role does not allow this."))


def may_hold(user, case: Case) -> bool:
    """Could `case` be assigned to `user`: active staff who works cases in its department
    (an inspector too: assignment is what lets them reach it)."""
    if not is_active_staff(user):
        return False
    if user.is_superuser:
        return True
    return any(
        role in _CASE_WORKERS and (department is None or department == case.department_id)
        for department, role in grants(user)
    )


def staff_who_may_hold(case: Case):
    """The members of staff `case` could be assigned to (`may_hold`), as a queryset."""
    from django.contrib.auth import get_user_model

    holders = StaffMembership.objects.filter(
        Q(department__isnull=True) | Q(department_id=case.department_id),
        role__in=sorted(_CASE_WORKERS),
    ).values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(pk__in=holders))
    )


def case_scope(user, action: str = VIEW, *, prefix: str = "") -> Q:
    """A condition selecting the cases `user` may `action`, through `prefix` ("case__" from
    a model that links to its case). Nothing for anybody who is not active staff."""
    _check_action(action)
    nothing = Q(**{f"{prefix}pk__in": []})
    if not is_active_staff(user):
        return nothing
    if user.is_superuser:
        return Q()
    everywhere = False
    departments: set[int] = set()
    assigned_everywhere = False
    assigned_departments: set[int] = set()
    for department, role in grants(user):
        if role not in ROLES[action]:
            continue
        if role in ASSIGNED_ONLY:
            if department is None:
                assigned_everywhere = True
            else:
                assigned_departments.add(department)
        elif department is None:
            everywhere = True
        else:
            departments.add(department)
    if everywhere:
        return Q()
    condition = nothing
    if departments:
        condition |= Q(**{f"{prefix}department__in": sorted(departments)})
    if assigned_everywhere:
        condition |= Q(**{f"{prefix}assignee": user.pk})
    elif assigned_departments:
        condition |= Q(
            **{
                f"{prefix}assignee": user.pk,
                f"{prefix}department__in": sorted(assigned_departments - departments),
            }
        )
    return condition


def department_staff(case: Case):
    """The active members of staff who work `case`'s department (not its inspectors, who
    hear of their own cases only, nor its cashiers); none for a case without a department."""
    from django.contrib.auth import get_user_model

    if case.department_id is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            is_staff=True,
            staff_memberships__department_id=case.department_id,
            staff_memberships__role__in=sorted(_DECIDERS),
        )
        .distinct()
        .order_by("pk")
    )
