"""The staff back office for cases: queues, assignment, status changes, notes and messages.

Nothing here writes a case directly: the change page is read-only, and its forms post to
small admin views that call `cases.services`. Status changes offer only the moves the
workflow allows the member of staff from the current status.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cases import permissions, selectors, services
from cases.exceptions import (
    ActionForbidden,
    CaseError,
    InvalidAssignee,
    TransitionForbidden,
    TransitionNotAllowed,
    TransitionRefused,
)
from cases.forms import StaffAssignForm, StaffMessageForm, StaffNoteForm, StaffTransitionForm
from cases.links import GuestLink
from cases.models import Case, CaseDocument, CaseEvent, CaseMessage, Department, StaffMembership
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


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    verbose_name_plural = _("timeline")
    fields = ["created_at", "kind", "audience", "actor", "from_status", "to_status", "body"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class CaseDocumentInline(ReadOnlyInline):
    model = CaseDocument
    fields = ["download_link", "content_type", "size", "public", "uploaded_by", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case", "uploaded_by")

    @admin.display(description=_("file"))
    def download_link(self, document):
        return format_html(
            '<a href="{}">{}</a>', document.get_absolute_url(), document.original_name
        )


class CaseMessageInline(ReadOnlyInline):
    model = CaseMessage
    fields = ["created_at", "from_staff", "author", "body", "read_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    change_form_template = "cases/admin/case_change_form.html"
    list_display = [
        "reference",
        "service",
        "status_label",
        "contact",
        "assignee",
        "department",
        "due",
        "submitted_at",
    ]
    list_filter = [
        KindFilter,
        StatusFilter,
        AssignedToMeFilter,
        ("assignee", admin.RelatedOnlyFieldListFilter),
        "department",
        OverdueFilter,
    ]
    list_select_related = ["applicant", "assignee", "department"]
    search_fields = [
        "=reference",
        "applicant__full_name",
        "applicant__email",
        "guest_name",
        "guest_email",
    ]
    search_help_text = _("Reference (exact), or the resident's name or e-mail address.")
    list_per_page = 50
    show_full_result_count = False
    actions = ["assign_to_me"]
    fieldsets = [
        (None, {"fields": ["reference", "kind", "status", "assignee", "department"]}),
        (
            _("Resident"),
            {"fields": ["applicant", "guest_name", "guest_email", "guest_phone", "anonymous"]},
        ),
        (
            _("Dates"),
            {"fields": ["submitted_at", "due_date", "closed_at", "created_at", "updated_at"]},
        ),
    ]
    readonly_fields = [
        "reference",
        "kind",
        "status",
        "assignee",
        "department",
        "applicant",
        "guest_name",
        "guest_email",
        "guest_phone",
        "anonymous",
        "submitted_at",
        "due_date",
        "closed_at",
        "created_at",
        "updated_at",
    ]
    inlines = [CaseEventInline, CaseDocumentInline, CaseMessageInline]

    class Media:
        css = {"all": ["cases/admin.css"]}

    def get_queryset(self, request):
        return selectors.cases_visible_to(user=request.user)

    def has_add_permission(self, request):
        # Cases are opened by their services (an application, a report), never blank here.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Never save the read-only form: every change goes through the forms below it."""

    @admin.display(description=_("service"), ordering="kind")
    def service(self, case):
        return case.service_name

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, case):
        return case.status_label_for_staff

    @admin.display(description=_("resident"))
    def contact(self, case):
        return case.contact_name

    @admin.display(description=_("due"), ordering="due_date")
    def due(self, case):
        if case.due_date is None:
            return "-"
        if case.is_overdue:
            return format_html(
                '<span class="case-overdue">{} ({})</span>', case.due_date, gettext("overdue")
            )
        return case.due_date

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        assign_to_me(self, request, queryset)

    # --- The change page's working forms ---------------------------------------------------

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(require_POST(view))

        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/transition/",
                wrap(self.transition_view),
                name=f"{name}_transition",
            ),
            path("<path:object_id>/assign/", wrap(self.assign_view), name=f"{name}_assign"),
            path("<path:object_id>/note/", wrap(self.note_view), name=f"{name}_note"),
            path("<path:object_id>/message/", wrap(self.message_view), name=f"{name}_message"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_object(request, unquote(object_id))
        context = {}
        if case is not None:
            context.update(
                show_save=False,
                show_save_and_continue=False,
                show_save_and_add_another=False,
                show_delete=False,
                case=case,
                transition_form=StaffTransitionForm(
                    transitions=selectors.transitions_for(case=case, user=request.user)
                ),
                assign_form=StaffAssignForm(initial={"assignee": case.assignee_id}, case=case),
                note_form=StaffNoteForm(prefix="note"),
                message_form=StaffMessageForm(prefix="message"),
                # Only the forms the member of staff's role lets them use (the services check
                # again).
                can_assign=permissions.can(request.user, permissions.ASSIGN, case),
                can_message=bool(case.applicant_id or case.guest_email or case.guest_phone)
                and permissions.can(request.user, permissions.MESSAGE, case),
            )
        # Bound forms handed in by a refused action win, so what the clerk typed stays.
        context.update(extra_context or {})
        return super().change_view(request, object_id, form_url, context)

    def _rerender(self, request, case, *, error: str = "", **bound_forms):
        """Show the case page again with the clerk's refused form, its errors and values kept.

        The change page's own model form is read-only, so the page is rendered as for a GET.
        """
        if error:
            messages.error(request, error)
        request.method = "GET"
        response = self.change_view(request, str(case.pk), extra_context=bound_forms)
        response.status_code = 400
        return response

    def _case_for_action(self, request, object_id) -> Case:
        case = self.get_object(request, unquote(object_id))
        if case is None:
            raise Http404
        if not self.has_change_permission(request, case):
            raise PermissionDenied
        return case

    def _back(self, case) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]))

    def transition_view(self, request, object_id):
        case = self._case_for_action(request, object_id)
        form = StaffTransitionForm(
            request.POST,
            transitions=selectors.transitions_for(case=case, user=request.user),
            statuses=case.workflow.states if case.workflow else (),
        )
        if not form.is_valid():
            return self._rerender(request, case, transition_form=form)
        try:
            services.transition(
                case=case,
                to_status=form.cleaned_data["to_status"],
                actor=request.user,
                note=form.cleaned_data["note"],
                public_note=form.cleaned_data["public_note"],
                offered=True,
            )
        except TransitionNotAllowed:
            error = gettext("That status change is not possible from the current status.")
            return self._rerender(request, case, error=error, transition_form=form)
        except TransitionForbidden:
            error = gettext("You may not make that status change.")
            return self._rerender(request, case, error=error, transition_form=form)
        except TransitionRefused as refusal:
            return self._rerender(request, case, error=str(refusal), transition_form=form)
        messages.success(
            request, gettext("Status changed to: %(status)s.") % {"status": case.status_label}
        )
        return self._back(case)

    def assign_view(self, request, object_id):
        case = self._case_for_action(request, object_id)
        form = StaffAssignForm(request.POST)
        if not form.is_valid():
            return self._rerender(request, case, assign_form=form)
        try:
            services.case_assign(
                case=case, assignee=form.cleaned_data["assignee"], actor=request.user
            )
        except InvalidAssignee:
            error = gettext("Cases can only be assigned to active staff.")
            return self._rerender(request, case, error=error, assign_form=form)
        except ActionForbidden:
            error = gettext("Your staff role does not allow this.")
            return self._rerender(request, case, error=error, assign_form=form)
        messages.success(request, gettext("Assignment saved."))
        return self._back(case)

    def note_view(self, request, object_id):
        case = self._case_for_action(request, object_id)
        form = StaffNoteForm(request.POST, prefix="note")
        if not form.is_valid():
            return self._rerender(request, case, note_form=form)
        try:
            services.case_add_note(case=case, author=request.user, body=form.cleaned_data["body"])
        except ActionForbidden:
            error = gettext("Your staff role does not allow this.")
            return self._rerender(request, case, error=error, note_form=form)
        messages.success(request, gettext("Note added."))
        return self._back(case)

    def message_view(self, request, object_id):
        case = self._case_for_action(request, object_id)
        form = StaffMessageForm(request.POST, prefix="message")
        if not form.is_valid():
            return self._rerender(request, case, message_form=form)
        try:
            services.case_message_resident(
                case=case, author=request.user, body=form.cleaned_data["body"]
            )
        except CaseError:
            error = gettext("You cannot message the resident on this case.")
            return self._rerender(request, case, error=error, message_form=form)
        messages.success(request, gettext("Message sent to the resident."))
        return self._back(case)


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    fields = ["user", "role"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    ordering = ["name"]
    inlines = [StaffMembershipInline]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    """Who holds which role where; what each role may do is in cases/permissions.py."""

    list_display = ["user", "role", "department"]
    list_filter = ["role", "department"]
    list_select_related = ["user", "department"]
    search_fields = ["user__email", "user__full_name"]
    autocomplete_fields = ["user"]


@admin.register(GuestLink)
class GuestLinkAdmin(admin.ModelAdmin):
    """Links sent to guests: who got one for what, until when; staff can withdraw them.

    Read-only: a link is issued by its service and only ever revoked (the token itself is
    not stored, so nothing here opens anything)."""

    list_display = ["scope", "target_type", "target_id", "email", "created_at", "expires_at"]
    list_filter = ["scope", "target_type", "revoked_reason"]
    search_fields = ["email", "=target_id"]
    readonly_fields = [
        "scope",
        "target_type",
        "target_id",
        "email",
        "phone",
        "page",
        "created_at",
        "expires_at",
        "revoked_at",
        "revoked_reason",
        "last_used_at",
    ]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Withdraw the selected links"), permissions=["change"])
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason=GuestLink.RevokedReason.STAFF
        )
        text = ngettext("%(count)d link withdrawn.", "%(count)d links withdrawn.", count)
        messages.success(request, text % {"count": count})
