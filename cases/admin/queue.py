"""What every service's back-office queue shares: the overdue, kind, status and "assigned to me"
filters, the "Assign to me" action, the service-level column (`ServiceLevelList`,
`service_level_html`, `DUE_ORDERING`) and the case columns of a service's own rows
(`CaseRowColumns`). Licensing and concerns use them on their own queues.
"""

from django.contrib import admin, messages
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases import selectors, services
from cases.exceptions import CaseError
from cases.service_levels import next_due_expression, service_levels_attach
from cases.workflow import registered_workflows


class OverdueFilter(admin.SimpleListFilter):
    """Overdue or on time; a changelist of another model says how to reach its case.

    Subclasses set `prefix` to the path to the case (e.g. "case__").
    """

    title = _("overdue")
    parameter_name = "overdue"
    prefix = ""

    def overdue_condition(self):
        return selectors.overdue_filter(prefix=self.prefix)

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.overdue_condition())
        if self.value() == "no":
            return queryset.exclude(self.overdue_condition())
        return queryset


class ServiceLevelList:
    """A changelist that shows each case's service level (`service_level_html`): the page's
    rows are worked out with one calendar, so the list's queries do not grow with its rows.

    Mix in before `admin.ModelAdmin`; `service_level_path` leads from a row to its case
    ("case" for a model linked to its case).
    """

    service_level_path = ""

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        service_levels_attach(changelist.result_list, path=self.service_level_path)
        return changelist


def service_level_html(case):
    """The case's next due date and how much is left or overdue, in business days
    ("12/18/2026 (3 business days left)"), marked `case-overdue` when it is."""
    level = case.service_level
    if level.due_date is None:
        return "-"
    css = "case-overdue" if level.overdue else "case-paused" if level.paused else "case-due"
    return format_html(
        '<span class="{}">{} ({})</span>', css, formats.localize(level.due_date), str(level)
    )


# Every due column sorts by the nearer of the stage's and the whole case's due dates.
DUE_ORDERING = next_due_expression()
DUE_ORDERING_FROM_ROW = next_due_expression(prefix="case__")


class CaseRowColumns(ServiceLevelList):
    """The columns every service's queue of rows linked to a case (`row.case`) shows:
    the case's reference, status, due date and assignee. Name them in `list_display`;
    select the case (and its assignee) with `list_select_related`.
    """

    service_level_path = "case"

    @admin.display(description=_("reference"), ordering="case__reference")
    def reference(self, row):
        return row.case.reference

    @admin.display(description=_("status"), ordering="case__status")
    def status(self, row):
        return row.case.status_label

    @admin.display(description=_("due"), ordering=DUE_ORDERING_FROM_ROW)
    def due(self, row):
        return service_level_html(row.case)

    @admin.display(description=_("assignee"), ordering="case__assignee__full_name")
    def assignee(self, row):
        return row.case.assignee or "-"


class KindFilter(admin.SimpleListFilter):
    """Services from the workflow registry (no DISTINCT query over every case)."""

    title = _("service")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(workflow.kind, workflow.name) for workflow in registered_workflows()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class StatusFilter(admin.SimpleListFilter):
    """Statuses the workflows declare, by their staff label (with the service's filter, only
    that service's statuses)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        kind = request.GET.get(KindFilter.parameter_name, "")
        labels: dict[str, list[str]] = {}
        for workflow in registered_workflows():
            if kind and workflow.kind != kind:
                continue
            for code, state in workflow.states.items():
                label = str(state.label_for_staff)
                if label not in labels.setdefault(code, []):
                    labels[code].append(label)
        return [(code, " / ".join(names)) for code, names in sorted(labels.items())]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class AssignedToMeFilter(admin.SimpleListFilter):
    """Assigned to me, to nobody, or to anybody; every queue's one assignment filter.

    Subclasses set `prefix` to the path to the case (e.g. "case__").
    """

    title = _("assignment")
    parameter_name = "mine"
    prefix = ""

    def lookups(self, request, model_admin):
        return [("me", _("Assigned to me")), ("none", _("Unassigned")), ("any", _("Assigned"))]

    def queryset(self, request, queryset):
        field = f"{self.prefix}assignee"
        if self.value() == "me":
            return queryset.filter(**{field: request.user})
        if self.value() in ("none", "any"):
            return queryset.filter(**{f"{field}__isnull": self.value() == "none"})
        return queryset


def assign_to_me(model_admin, request, cases) -> None:
    """Every queue's "Assign to me" action: each of `cases` becomes the user's own, in
    primary-key order, through `case_assign` (which checks their role); the message says how
    many were assigned and how many their role does not let them take."""
    assigned = refused = 0
    for case in cases.order_by("pk"):
        try:
            services.case_assign(case=case, assignee=request.user, actor=request.user)
        except CaseError:
            refused += 1
        else:
            assigned += 1
    model_admin.message_user(
        request,
        ngettext("%(count)d case assigned to you.", "%(count)d cases assigned to you.", assigned)
        % {"count": assigned},
    )
    if refused:
        model_admin.message_user(
            request,
            ngettext(
                "%(count)d case not assigned: your staff role does not allow it.",
                "%(count)d cases not assigned: your staff role does not allow it.",
                refused,
            )
            % {"count": refused},
            level=messages.WARNING,
        )
