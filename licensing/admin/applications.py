"""The clerks' queue of applications with a decision form. The review pages (documents,
assignment, notes) are in `licensing.admin.review`.

The admin only parses and calls `licensing.services`; assignment, notes and messages are the
case's own page (linked from each application).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Value, When
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from cases import permissions
from cases.admin.queue import DUE_ORDERING_FROM_ROW, CaseRowColumns
from cases.exceptions import CaseError
from cases.questions.summary import answer_rows
from cases.selectors import overdue_filter
from licensing import selectors, services
from licensing.admin import review
from licensing.exceptions import LicensingError
from licensing.forms import DecisionForm
from licensing.models import Application
from payments.money import format_cents

OPEN_STATUSES = ("submitted", "in_review", "awaiting_info")


class OverdueFirstFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("open", _("With the clerks")), ("overdue", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(case__status__in=OPEN_STATUSES)
        if self.value() == "overdue":
            return queryset.filter(overdue_filter(prefix="case__"))
        return queryset


@admin.register(Application)
class ApplicationAdmin(CaseRowColumns, admin.ModelAdmin):
    change_form_template = "licensing/admin/application_change_form.html"
    list_display = [
        "reference",
        "license_type",
        "kind",
        "holder_name",
        "status",
        "assignee",
        "due",
        "paid_at",
    ]
    list_filter = [
        OverdueFirstFilter,
        review.AssigneeFilter,
        "kind",
        "case__status",
        "license_type",
    ]
    list_select_related = ["case", "case__assignee", "license_type"]
    actions = ["assign_to_me"]
    search_fields = ["=case__reference", "holder_name", "business_name", "email"]
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = [
        "case_link",
        "license_type",
        "kind",
        "renews",
        "holder_name",
        "business_name",
        "email",
        "phone",
        "address",
        "fee",
        "invoice",
        "paid_at",
        "decision_reason",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        # The applications the member of staff's roles reach: overdue first, then the rest
        # of the open work by due date, then everything else.
        return (
            super()
            .get_queryset(request)
            .filter(permissions.case_scope(request.user, prefix="case__"))
            .exclude(case__status__in=["cancelled", "draft"])
            .annotate(
                queue_rank=SqlCase(
                    When(overdue_filter(prefix="case__"), then=Value(0)),
                    When(case__status__in=OPEN_STATUSES, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
            .order_by("queue_rank", DUE_ORDERING_FROM_ROW, "-created_at")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Never save the read-only form: decisions go through the decision page."""

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        review.assign_to_me(self, request, queryset)

    @admin.display(description=_("fee"))
    def fee(self, application):
        return format_cents(application.fee_cents, settings.AGENCY["currency"])

    @admin.display(description=_("case"))
    def case_link(self, application):
        url = reverse("admin:cases_case_change", args=[application.case_id])
        return format_html(
            '<a href="{}">{}</a> ({})',
            url,
            application.case.reference,
            _("assign, notes, messages, documents"),
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.decide)),
                name="licensing_application_decide",
            ),
            *review.review_urls(self),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if application is not None:
            context.update(
                show_save=False,
                show_save_and_continue=False,
                show_save_and_add_another=False,
                show_delete=False,
                answers=_answers(application),
                supplied=application.supplied_documents.select_related(
                    "requirement", "document", "document__case"
                ),
                decide_url=reverse("admin:licensing_application_decide", args=[application.pk]),
                can_decide=application.case.status in OPEN_STATUSES,
                **review.review_context(request, application),
            )
            # Bound forms handed back by a refused assignment or note win, keeping the text.
            context.update(extra_context or {})
        return super().change_view(request, object_id, form_url, context)

    def decide(self, request, object_id):
        """Ask for more, approve or deny: one form, one service call."""
        application = self.get_object(request, unquote(object_id))
        if application is None:
            raise Http404
        if not self.has_change_permission(request, application):
            raise PermissionDenied
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            decision = form.cleaned_data["decision"]
            message = form.cleaned_data["message"]
            try:
                renewal = application.kind == Application.Kind.RENEWAL
                if decision == "approve":
                    approve = services.renewal_approve if renewal else services.application_approve
                    license = approve(application=application, actor=request.user, reason=message)
                    done = (
                        _("License %(number)s renewed until %(date)s.")
                        if renewal
                        else _("License %(number)s issued.")
                    )
                    messages.success(
                        request,
                        done % {"number": license.number, "date": license.expires_on.isoformat()},
                    )
                elif decision == "deny":
                    deny = services.renewal_deny if renewal else services.application_deny
                    deny(application=application, actor=request.user, reason=message)
                    messages.success(request, _("The application was denied."))
                else:
                    services.application_request_info(
                        application=application, actor=request.user, message=message
                    )
                    messages.success(request, _("The applicant was asked for more information."))
            except (CaseError, LicensingError, ValueError, ValidationError) as error:
                form.add_error(None, str(error))
            else:
                return HttpResponseRedirect(
                    reverse("admin:licensing_application_change", args=[application.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Decide on %(reference)s") % {"reference": application.case.reference},
            "application": application,
            "answers": _answers(application),
            "form": form,
        }
        status = 400 if form.is_bound and form.errors else 200
        return render(request, "licensing/admin/decide.html", context, status=status)


def _answers(application: Application) -> list[tuple[str, str]]:
    return answer_rows(selectors.questions_for(application=application), application.answers)
