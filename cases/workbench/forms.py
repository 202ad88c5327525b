"""Forms of the "My work" queue: its filters (a GET form), the bulk actions and saved filters.

Every choice comes from the workflows' declarations (services by name, statuses by the
resident-facing label of the chosen service only), never from raw codes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.areas.models import Area
from cases.models import Department
from cases.workbench.bulk import Selected
from cases.workbench.models import MessageTemplate
from cases.workbench.queue import (
    DEFAULT_SORT,
    DEFAULT_VIEW,
    NO_AREA,
    SORTS,
    VIEWS,
    QueueFilters,
)
from cases.workflow import get_workflow, registered_workflows
from portal.localized import localized

# The query-string keys the filter form reads, in the order a saved filter keeps them.
FILTER_KEYS = (
    "view",
    "kind",
    "status",
    "department",
    "area",
    "submitted_from",
    "submitted_to",
    "sort",
)


def service_choices() -> list[tuple[str, str]]:
    return [(workflow.kind, str(workflow.name)) for workflow in registered_workflows()]


def status_choices(kind: str) -> list[tuple[str, str]]:
    """The statuses of service `kind`, by the label residents read (none without a service)."""
    try:
        workflow = get_workflow(kind)
    except LookupError:
        return []
    return [(code, str(state.label)) for code, state in workflow.states.items() if code != "draft"]


def area_choices() -> list[tuple[str, str]]:
    """Every area by its name in the reader's language, in that language's order (one query)."""
    names = [(str(area.pk), localized(area, "name")) for area in Area.objects.all()]
    return sorted(names, key=lambda choice: (choice[1].casefold(), int(choice[0])))


class QueueFilterForm(forms.Form):
    view = forms.ChoiceField(
        label=_("View"), choices=[(view.key, view.label) for view in VIEWS], required=False
    )
    kind = forms.ChoiceField(label=_("Service"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        help_text=_("Choose a service first: each service has its own statuses."),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("name"),
        required=False,
        empty_label=_("Any department"),
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    submitted_from = forms.DateField(
        label=_("Sent on or after"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For example: 2026-04-28"),
    )
    submitted_to = forms.DateField(
        label=_("Sent on or before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For example: 2026-04-28"),
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        choices=[(key, label) for key, (label, _o) in SORTS.items()],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.optional = False  # every filter may be left empty: no "(optional)" on each
        self.fields["kind"].choices = [("", gettext("Any service")), *service_choices()]
        kind = self.data.get("kind", "") if self.is_bound else ""
        self.fields["status"].choices = [("", gettext("Any status")), *status_choices(kind)]
        self.fields["area"].choices = [
            ("", gettext("Any area")),
            (NO_AREA, gettext("No area")),
            *area_choices(),
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", gettext("This date is before the first one."))
        return cleaned

    def _valid(self) -> dict:
        """The answers that passed their checks: a refused field is left out alone, so one
        mistyped date does not drop the area, service and status chosen with it."""
        if not self.is_bound:
            return {}
        self.is_valid()  # runs the checks once; cleaned_data then holds the fields that passed
        return self.cleaned_data

    def filters(self) -> QueueFilters:
        """The chosen filters; the defaults where a field was left empty or is invalid."""
        data = self._valid()
        return QueueFilters(
            view=data.get("view") or DEFAULT_VIEW,
            kind=data.get("kind") or "",
            status=data.get("status") or "",
            department=data.get("department"),
            area=data.get("area") or "",
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to"),
            sort=data.get("sort") or DEFAULT_SORT,
        )

    def query(self, **changes) -> str:
        """The cleaned filters as a query string (what a link or a saved filter keeps)."""
        data = self._valid()
        values = {}
        for key in FILTER_KEYS:
            value = changes[key] if key in changes else data.get(key)
            if isinstance(value, Department):
                value = value.pk
            if value not in (None, ""):
                values[key] = str(value)
        return urlencode(values)


def parse_selected(values: list[str]) -> list[Selected]:
    """Ticked boxes ("<case id>:<version>") as Selected; ValueError for anything else."""
    selected = []
    for value in values:
        case_id, _sep, version = value.partition(":")
        if not case_id.isdigit() or not version.isdigit():
            raise ValueError(value)
        selected.append(Selected(case_id=int(case_id), version=version))
    return selected


class BulkForm(forms.Form):
    """The queue's bulk actions; which fields count depends on the button pressed."""

    ASSIGN_ME = "assign_me"
    ASSIGN = "assign"
    MOVE = "move"
    MESSAGE = "message"
    EXPORT = "export"
    ACTIONS = (ASSIGN_ME, ASSIGN, MOVE, MESSAGE, EXPORT)

    # The fields each action needs are required for that action only (see __init__); one
    # form holds every action's fields, so the browser must not demand them all.
    use_required_attribute = False
    NEEDS = {ASSIGN: "assignee", MOVE: "to_status", MESSAGE: "template"}

    action = forms.ChoiceField(choices=[(action, action) for action in ACTIONS])
    cases = forms.MultipleChoiceField(
        required=True, error_messages={"required": _("Select at least one case.")}
    )
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=None,
        empty_label=_("Choose a person"),
        error_messages={"required": _("Choose whom to assign the cases to.")},
    )
    kind = forms.ChoiceField(required=False)
    to_status = forms.ChoiceField(
        label=_("New status"), error_messages={"required": _("Choose the new status.")}
    )
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    template = forms.ModelChoiceField(
        label=_("Message"),
        queryset=MessageTemplate.objects.filter(active=True).prefetch_related("texts"),
        error_messages={"required": _("Choose the message to send.")},
        empty_label=_("Choose a message"),
    )

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        if assignees is None:
            from django.contrib.auth import get_user_model

            assignees = get_user_model().objects.none()
        self.fields["assignee"].queryset = assignees
        if self.is_bound:
            needed = self.NEEDS.get(self.data.get("action", ""))
            for name in self.NEEDS.values():
                self.fields[name].required = name == needed
        self.fields["kind"].choices = [("", ""), *service_choices()]
        kind = self.data.get("kind", "") if self.is_bound else self.initial.get("kind", "")
        self.fields["to_status"].choices = [("", gettext("Choose a status")), *status_choices(kind)]
        # Ticked boxes are checked by parse_selected and against the person's scope.
        self.fields["cases"].choices = (
            [(v, v) for v in self.data.getlist("cases")] if (self.is_bound) else []
        )

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        try:
            cleaned["selected"] = parse_selected(cleaned.get("cases") or [])
        except ValueError:
            raise forms.ValidationError(gettext("The selection is not valid.")) from None
        if action == self.MOVE and not cleaned.get("kind"):
            self.add_error("to_status", gettext("Choose a service first."))
        return cleaned


class SavedFilterForm(forms.Form):
    name = forms.CharField(
        label=_("Name of this filter"),
        max_length=80,
        error_messages={"required": _("Give the filter a name.")},
    )
