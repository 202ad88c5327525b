"""Reads of the "My work" queue: one list of every service's cases, scoped to the person.

Everything here starts from `permissions.case_scope(user, VIEW)`, so a person's queue, its
counts and its CSV only ever hold the cases their roles reach (an inspector: those assigned
to them; a cashier: none). The queries do not grow with the number of cases: the counts of
every view are one aggregate, a page is one select (with its assignee and department
and area joined), the paginator one count, and the service levels of a page one calendar.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases import permissions
from cases.models import Case, CaseStatus, Department
from cases.service_levels import next_due_expression, overdue_condition


@dataclass(frozen=True)
class QueueView:
    key: str
    label: str


VIEWS = (
    QueueView("mine", _("Assigned to me")),
    QueueView("department", _("My department's")),
    QueueView("unassigned", _("Unassigned")),
    QueueView("waiting", _("Waiting for the resident")),
    QueueView("overdue", _("Overdue")),
    QueueView("due_week", _("Due this week")),
    QueueView("all", _("All cases, closed included")),
)
VIEW_KEYS = tuple(view.key for view in VIEWS)
DEFAULT_VIEW = "mine"

# Orders a person may choose: key -> (label, expressions). Every order ends on the primary
# key, so a page never shows a case twice or skips one.
_DUE = next_due_expression()
SORTS = {
    "due": (_("Due soonest"), (_DUE.asc(nulls_last=True), F("pk").asc())),
    "-due": (_("Due latest"), (_DUE.desc(nulls_last=True), F("pk").desc())),
    "oldest": (_("Oldest first"), (F("submitted_at").asc(), F("pk").asc())),
    "newest": (_("Newest first"), (F("submitted_at").desc(), F("pk").desc())),
    "reference": (_("Reference"), (F("reference").asc(),)),
    "service": (_("Service"), (F("kind").asc(), F("reference").asc())),
}
DEFAULT_SORT = "due"

# The area filter's value for cases in no area (outside every area, or with no location).
NO_AREA = "none"

_OPEN = Q(closed_at__isnull=True)


def _department_condition(user) -> Q:
    """The cases of the departments `user` works (every one for an agency-wide role)."""
    if user.is_superuser:
        return Q()
    departments = set()
    for department, role in permissions.grants(user):
        if role not in permissions.ROLES[permissions.VIEW]:
            continue
        if department is None:
            return Q()
        departments.add(department)
    return Q(department__in=sorted(departments))


def view_conditions(user, *, today: datetime.date | None = None) -> dict[str, Q]:
    """Each view's condition, on top of the person's scope."""
    today = today or timezone.localdate()
    week_end = today + datetime.timedelta(days=6)
    due_this_week = (
        _OPEN
        & Q(paused_at__isnull=True)
        & ~overdue_condition(today=today)
        & (Q(stage_due_date__range=(today, week_end)) | Q(due_date__range=(today, week_end)))
    )
    return {
        "mine": _OPEN & Q(assignee=user.pk),
        "department": _OPEN & _department_condition(user),
        "unassigned": _OPEN & Q(assignee__isnull=True),
        "waiting": _OPEN & Q(paused_at__isnull=False),
        "overdue": overdue_condition(today=today),
        "due_week": due_this_week,
        "all": Q(),
    }


def may_use_queue(user) -> bool:
    """Does any of `user`'s roles let them see cases (anywhere)?"""
    return permissions.can(user, permissions.VIEW)


def queue_base(*, user) -> QuerySet[Case]:
    """Every sent case `user` may see (drafts are still the resident's own)."""
    return Case.objects.filter(permissions.case_scope(user, permissions.VIEW)).exclude(
        status=CaseStatus.DRAFT
    )


@dataclass(frozen=True)
class QueueFilters:
    """What the person chose; empty values filter nothing."""

    view: str = DEFAULT_VIEW
    kind: str = ""
    status: str = ""
    department: Department | None = None
    # "" (any area), NO_AREA, or the id of an area (checked by the filter form).
    area: str = ""
    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None
    sort: str = DEFAULT_SORT


def _filtered(queryset: QuerySet[Case], filters: QueueFilters) -> QuerySet[Case]:
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
        if filters.status:
            queryset = queryset.filter(status=filters.status)
    if filters.department is not None:
        queryset = queryset.filter(department=filters.department)
    if filters.area == NO_AREA:
        queryset = queryset.filter(area__isnull=True)
    elif filters.area:
        queryset = queryset.filter(area_id=int(filters.area))
    if filters.submitted_from:
        queryset = queryset.filter(submitted_at__date__gte=filters.submitted_from)
    if filters.submitted_to:
        queryset = queryset.filter(submitted_at__date__lte=filters.submitted_to)
    return queryset


def queue_counts(*, user, filters: QueueFilters | None = None) -> dict[str, int]:
    """How many cases each view holds for `user` under `filters` (the view aside): one
    aggregate query whatever the number of cases."""
    queryset = _filtered(queue_base(user=user), filters or QueueFilters())
    return queryset.aggregate(
        **{key: Count("pk", filter=condition) for key, condition in view_conditions(user).items()}
    )


def queue_cases(*, user, filters: QueueFilters) -> QuerySet[Case]:
    """The cases of the chosen view and filters, in the chosen order, with what a row shows
    (assignee, department, area) joined."""
    condition = view_conditions(user)[filters.view]
    _label, ordering = SORTS[filters.sort]
    return (
        _filtered(queue_base(user=user), filters)
        .filter(condition)
        .select_related("assignee", "department", "area")
        .order_by(*ordering)
    )


def cases_selected(*, user, ids: list[int]) -> dict[int, Case]:
    """The cases among `ids` that `user` may see, with their applicant and assignee, by id
    (one query; ids they may not see are simply absent)."""
    return {
        case.pk: case
        for case in queue_base(user=user)
        .filter(pk__in=ids)
        .select_related("applicant", "assignee", "department")
        .order_by("pk")
    }


def assignable_staff(*, user):
    """The members of staff `user` may hand cases to: active staff who work cases in the
    departments `user` assigns in (every department for an agency-wide role). Whether each
    may hold a given case is checked again when it is assigned."""
    from django.contrib.auth import get_user_model

    people = get_user_model().objects.filter(is_active=True, is_staff=True)
    workers = Q(staff_memberships__role__in=sorted(permissions.ROLES[permissions.VIEW]))
    if user.is_superuser:
        return people.filter(workers | Q(is_superuser=True)).distinct().order_by("full_name", "pk")
    departments, everywhere = set(), False
    for department, role in permissions.grants(user):
        if role in permissions.ROLES[permissions.ASSIGN]:
            everywhere = everywhere or department is None
            departments.add(department)
    if not departments:
        return people.none()
    if not everywhere:
        workers &= Q(staff_memberships__department__in=sorted(d for d in departments if d))
    return people.filter(workers).distinct().order_by("full_name", "pk")


def case_version(case: Case) -> str:
    """What a page remembers of a case to notice a later change (its last update)."""
    return str(int(case.updated_at.timestamp() * 1_000_000))


def age_words(case: Case, *, today: datetime.date | None = None) -> str:
    """How long ago the case was sent, in whole days ("Sent today", "Sent 3 days ago")."""
    if case.submitted_at is None:
        return ""
    today = today or timezone.localdate()
    days = (today - timezone.localdate(case.submitted_at)).days
    if days <= 0:
        return str(_("Sent today"))
    return ngettext("Sent %(days)s day ago", "Sent %(days)s days ago", days) % {"days": days}
