"""The triage queue of concern reports and its working forms.

The report page is read-only; its forms post to small admin views that each call one
service (start work, close with a public reason, mark as duplicate, route, assign, message
the reporter with a canned response, add a note).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cases import permissions
from cases import services as case_services
from cases.admin.queue import (
    DUE_ORDERING_FROM_ROW,
    AssignedToMeFilter,
    CaseRowColumns,
)
from cases.admin.queue import OverdueFilter as CaseOverdueFilter
from cases.exceptions import CaseError
from cases.forms import StaffAssignForm
from cases.forms import StaffNoteForm as CaseNoteForm
from cases.models import Department
from cases.selectors import staff_timeline
from concerns import selectors, services
from concerns.admin.photos import ConcernPhotoInline
from concerns.forms import (
    StaffCannedMessageForm,
    StaffCloseForm,
    StaffDuplicateForm,
    StaffNoteForm,
    StaffRouteForm,
)
from concerns.models import ConcernReport


class OverdueFilter(CaseOverdueFilter):
    prefix = "case__"


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        from concerns.workflow import CONCERN_REPORT

        return [(status, state.label) for status, state in CONCERN_REPORT.states.items()]

    def queryset(self, request, queryset):
        return queryset.filter(case__status=self.value()) if self.value() else queryset


class MineFilter(AssignedToMeFilter):
    prefix = "case__"


@admin.register(ConcernReport)
class ConcernReportAdmin(CaseRowColumns, admin.ModelAdmin):
    change_form_template = "concerns/admin/report_change_form.html"
    list_display = [
        "reference",
        "category",
        "status",
        "where",
        "department",
        "assignee",
        "due",
        "requested_at",
    ]
    list_filter = [StatusFilter, OverdueFilter, MineFilter, "category", "case__department"]
    search_fields = ["=case__reference", "address", "description"]
    search_help_text = _("Reference (exact), address or words of the description.")
    list_per_page = 50
    show_full_result_count = False
    inlines = [ConcernPhotoInline]
    fields = [
        "reference",
        "category",
        "description",
        "address",
        "latitude",
        "longitude",
        "location_from_photo",
        "answers",
        "source",
        "requested_at",
        "close_reason",
        "public_reason",
        "redirect_contact",
        "scheduled_for",
        "duplicate_of",
        "rating",
        "rating_comment",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.triage_queue(user=request.user)

    def get_ordering(self, request):
        # New and reopened first, then overdue, then the rest by due date.
        return ["triage_rank", DUE_ORDERING_FROM_ROW, "requested_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Never save the read-only form: every change goes through the forms below it."""

    @admin.display(description=_("where"))
    def where(self, report):
        if report.address:
            return report.address
        if report.has_point:
            return f"{report.latitude}, {report.longitude}"
        return "-"

    @admin.display(description=_("department"))
    def department(self, report):
        return report.case.department or "-"

    @admin.display(description=_("answers"))
    def answers(self, report):
        return "; ".join(f"{q}: {a}" for q, a in selectors.report_answers(report=report)) or "-"

    # --- The report page's working forms ----------------------------------------------------

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(require_POST(view))

        name = f"{self.opts.app_label}_{self.opts.model_name}"
        actions = ["start", "close", "duplicate", "route", "assign", "canned", "note"]
        return [
            *[
                path(
                    f"<path:object_id>/{action}/",
                    wrap(getattr(self, f"{action}_view")),
                    name=f"{name}_{action}",
                )
                for action in actions
            ],
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if report is not None:
            case = report.case
            canned = selectors.canned_responses()
            extra_context.update(
                show_save=False,
                show_save_and_continue=False,
                show_save_and_add_another=False,
                show_delete=False,
                report=report,
                case=case,
                timeline=staff_timeline(case=case),
                followers=report.followers.filter(confirmed_at__isnull=False).count(),
                is_open=case.closed_at is None,
                can_start=case.status in ("submitted", "reopened"),
                start_form=StaffNoteForm(prefix="start"),
                close_form=StaffCloseForm(prefix="close", canned=canned),
                duplicate_form=StaffDuplicateForm(prefix="duplicate"),
                route_form=StaffRouteForm(
                    prefix="route",
                    departments=Department.objects.order_by("name"),
                    initial={"department": case.department_id},
                ),
                assign_form=StaffAssignForm(
                    prefix="assign", initial={"assignee": case.assignee_id}, case=case
                ),
                canned_form=StaffCannedMessageForm(prefix="canned", canned=canned),
                note_form=CaseNoteForm(prefix="note"),
                can_message=bool(case.applicant_id or case.guest_email or case.guest_phone)
                and permissions.can(request.user, permissions.MESSAGE, case),
                case_admin_url=reverse("admin:cases_case_change", args=[case.pk]),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def _report(self, request, object_id) -> ConcernReport:
        report = self.get_object(request, unquote(object_id))
        if report is None:
            raise Http404
        if not self.has_change_permission(request, report):
            raise PermissionDenied
        return report

    def _back(self, report) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse("admin:concerns_concernreport_change", args=[report.pk])
        )

    # What staff call each field a refusal may name.
    _LABELS = {
        "reason": _("Reason"),
        "public_reason": _("Explanation for the public"),
        "redirect_contact": _("Who to contact instead"),
        "scheduled_for": _("Scheduled for"),
        "duplicate_of": _("Reference of the original report"),
        "original": _("Reference of the original report"),
        "department": _("Department"),
        "assignee": _("Assign to"),
        "canned_response": _("Canned response"),
        "body": _("Internal note"),
        "public_note": _("Note to the public"),
    }

    def _errors(self, request, errors) -> None:
        for field, field_errors in errors.items():
            label = self._LABELS.get(field, field)
            for error in field_errors:
                messages.error(request, f"{label}: {error}" if field != "__all__" else error)

    def _run(self, request, report, act, *, success: str):
        try:
            act()
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                self._errors(
                    request,
                    {k: [str(m) for e in v for m in e] for k, v in error.error_dict.items()},
                )
            else:
                for message in error.messages:
                    messages.error(request, message)
        except CaseError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, success)
        return self._back(report)

    def start_view(self, request, object_id):
        report = self._report(request, object_id)
        form = StaffNoteForm(request.POST, prefix="start")
        form.is_valid()
        return self._run(
            request,
            report,
            lambda: services.report_start_work(
                report=report, actor=request.user, public_note=form.cleaned_data["public_note"]
            ),
            success=gettext("Work started; the reporter and followers are told."),
        )

    def close_view(self, request, object_id):
        report = self._report(request, object_id)
        form = StaffCloseForm(request.POST, prefix="close", canned=selectors.canned_responses())
        if not form.is_valid():
            self._errors(request, form.errors)
            return self._back(report)
        data = form.cleaned_data
        return self._run(
            request,
            report,
            lambda: services.report_close(
                report=report,
                actor=request.user,
                reason=data["reason"],
                public_reason=data["public_reason"],
                redirect_contact=data["redirect_contact"],
                scheduled_for=data["scheduled_for"],
            ),
            success=gettext("Report closed; the reporter and followers are told why."),
        )

    def duplicate_view(self, request, object_id):
        report = self._report(request, object_id)
        form = StaffDuplicateForm(request.POST, prefix="duplicate")
        if not form.is_valid():
            self._errors(request, form.errors)
            return self._back(report)
        original = (
            selectors.triage_queue(user=request.user)
            .filter(case__reference=form.cleaned_data["original"].strip().upper())
            .first()
        )
        if original is None:
            messages.error(request, gettext("There is no report with that reference."))
            return self._back(report)
        return self._run(
            request,
            report,
            lambda: services.report_mark_duplicate(
                report=report,
                original=original,
                actor=request.user,
                public_reason=form.cleaned_data["public_reason"],
            ),
            success=gettext("Marked as a duplicate; its followers now follow the original."),
        )

    def route_view(self, request, object_id):
        report = self._report(request, object_id)
        form = StaffRouteForm(
            request.POST, prefix="route", departments=Department.objects.order_by("name")
        )
        if not form.is_valid():
            self._errors(request, form.errors)
            return self._back(report)
        return self._run(
            request,
            report,
            lambda: services.report_route(
                report=report, department=form.cleaned_data["department"], actor=request.user
            ),
            success=gettext("Department saved."),
        )

    def assign_view(self, request, object_id):
        report = self._report(request, object_id)
        form = StaffAssignForm(request.POST, prefix="assign")
        if not form.is_valid():
            self._errors(request, form.errors)
            return self._back(report)
        return self._run(
            request,
            report,
            lambda: case_services.case_assign(
                case=report.case, assignee=form.cleaned_data["assignee"], actor=request.user
            ),
            success=gettext("Assignment saved."),
        )

    def canned_view(self, request, object_id):
        report = self._report(request, object_id)
        form = StaffCannedMessageForm(
            request.POST, prefix="canned", canned=selectors.canned_responses()
        )
        if not form.is_valid():
            self._errors(request, form.errors)
            return self._back(report)
        return self._run(
            request,
            report,
            lambda: case_services.case_message_resident(
                case=report.case,
                author=request.user,
                body=form.cleaned_data["canned_response"].body,
            ),
            success=gettext("Message sent to the reporter."),
        )

    def note_view(self, request, object_id):
        report = self._report(request, object_id)
        form = CaseNoteForm(request.POST, prefix="note")
        if not form.is_valid():
            self._errors(request, form.errors)
            return self._back(report)
        return self._run(
            request,
            report,
            lambda: case_services.case_add_note(
                case=report.case, author=request.user, body=form.cleaned_data["body"]
            ),
            success=gettext("Note added."),
        )
