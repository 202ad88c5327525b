"""Whose case figures a reader of the analytics sees.

A supervisor or administrator of some departments reads those departments' case figures;
one who holds the role across the agency (or a superuser) reads every department's, cases
without a department included, and may narrow them to one. `analytics_scope` is the only
way to a scope, so each case chart counts what its reader may see, whatever department the
request names: one outside the reader's is refused, never shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from cases import permissions
from cases.models import Department, StaffRole

# The roles that read the analytics (as `permissions.may_read_analytics` has them).
_READERS = frozenset({StaffRole.SUPERVISOR, StaffRole.ADMINISTRATOR})


@dataclass(frozen=True)
class AnalyticsScope:
    """The departments whose case figures are counted.

    `departments` is None for every department (cases without one included), else the ids
    counted; `department` the one chosen with the filter, if any; `choices` the departments
    the reader may choose among, by name.
    """

    departments: frozenset[int] | None
    department: Department | None
    choices: tuple[Department, ...]
    everywhere: bool

    def condition(self, department: str = "department") -> Q:
        """The rows of the counted departments, whose department is the field (or lookup
        path) `department`: a summary row's own, or `case__department` for a service's
        records."""
        if self.departments is None:
            return Q()
        return Q(**{f"{department}__in": sorted(self.departments)})

    @property
    def offers_choice(self) -> bool:
        """Is there a department to choose (more than the reader's one)?"""
        return self.everywhere or len(self.choices) > 1

    @property
    def label(self) -> str:
        """Whose cases the case charts count, in a sentence."""
        if self.department is not None:
            return _("Case figures for %(department)s.") % {"department": self.department.name}
        if self.everywhere:
            return _("Case figures for all departments.")
        if len(self.choices) == 1:
            return _("Case figures for %(department)s.") % {"department": self.choices[0].name}
        names = ", ".join(department.name for department in self.choices)
        return _("Case figures for your departments: %(departments)s.") % {"departments": names}


def _readable_departments(user) -> frozenset[int] | None:
    """The ids of the departments `user` reads the analytics of; None for all of them."""
    if user.is_superuser:
        return None
    departments = set()
    for department, role in permissions.grants(user):
        if role not in _READERS:
            continue
        if department is None:
            return None
        departments.add(department)
    return frozenset(departments)


def analytics_scope(*, user, department: str | int | None = None) -> AnalyticsScope:
    """The case figures `user` reads: their departments' (every one for an agency-wide
    role), narrowed to `department` (an id, as a request gives it) when they chose one.

    Raises PermissionDenied when `user` may not read the analytics, or when `department` is
    not one they may read (another department, one that does not exist, or not an id).
    Two queries at most, however many departments: the grants and the departments.
    """
    if not permissions.may_read_analytics(user):
        raise PermissionDenied(_("The analytics are for supervisors and administrators."))
    readable = _readable_departments(user)
    departments = Department.objects.order_by("name", "pk")
    if readable is not None:
        departments = departments.filter(pk__in=sorted(readable))
    choices = tuple(departments)
    if department in (None, ""):
        return AnalyticsScope(
            departments=readable, department=None, choices=choices, everywhere=readable is None
        )
    chosen = next((choice for choice in choices if str(choice.pk) == str(department)), None)
    if chosen is None:
        raise PermissionDenied(_("You may not read the figures of that department."))
    return AnalyticsScope(
        departments=frozenset({chosen.pk}),
        department=chosen,
        choices=choices,
        everywhere=readable is None,
    )
