"""The staff back office for cases: the queue, assignment, status changes, notes and messages.

Nothing here writes a case directly: the change page is read-only, and its forms post to
small admin views that call `cases.services`. Status changes offer only the moves the
workflow allows the member of staff from the current status.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cases import permissions, selectors, services
from cases.admin.queue import (
    DUE_ORDERING,
    AssignedToMeFilter,
    KindFilter,
    OverdueFilter,
    ServiceLevelList,
    StatusFilter,
    assign_to_me,
    service_level_html,
)
from cases.exceptions import (
    ActionForbidden,
    CaseError,
    InvalidAssignee,
    TransitionForbidden,
    TransitionNotAllowed,
    TransitionRefused,
)
from cases.forms import StaffAssignForm, StaffMessageForm, StaffNoteForm, StaffTransitionForm
from cases.models import Case, CaseDocument, CaseEvent, CaseMessage
from cases.participants import Participant, roles_of


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


class CaseParticipantInline(ReadOnlyInline):
    """Who is on the case and is told what concerns them (cases/participation.py)."""

    model = Participant
    verbose_name_plural = _("people on this case")
    fields = ["role_label", "person", "language", "created_at", "confirmed_at"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        # Whoever may see the case sees who is on it: the role table decides, not a model
        # permission of its own (without a case: the inline's rows, always one case's).
        if obj is None:
            return permissions.is_active_staff(request.user)
        return permissions.can(request.user, permissions.VIEW, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case", "user")

    @admin.display(description=_("role"))
    def role_label(self, participant):
        role = roles_of(participant.case).get(participant.role)
        return role.label if role is not None else participant.role

    @admin.display(description=_("person"))
    def person(self, participant):
        if participant.user_id is not None:
            return str(participant.user)
        return " · ".join(
            part for part in (participant.name, participant.email, str(participant.phone)) if part
        )


@admin.register(Case)
class CaseAdmin(ServiceLevelList, admin.ModelAdmin):
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
            {
                "fields": [
                    "service_level",
                    "submitted_at",
                    "due_date",
                    "stage_due_date",
                    "paused_at",
                    "closed_at",
                    "created_at",
                    "updated_at",
                ]
            },
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
        "service_level",
        "submitted_at",
        "due_date",
        "stage_due_date",
        "paused_at",
        "closed_at",
        "created_at",
        "updated_at",
    ]
    inlines = [CaseParticipantInline, CaseEventInline, CaseDocumentInline, CaseMessageInline]

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

    @admin.display(description=_("due"), ordering=DUE_ORDERING)
    def due(self, case):
        return service_level_html(case)

    @admin.display(description=_("service level"))
    def service_level(self, case):
        return service_level_html(case)

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
