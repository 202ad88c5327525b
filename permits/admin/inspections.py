"""The back office for issuing and inspections: booking rules, inspectors' shifts (in the
agency's areas, `cases.Area`) and half-days, inspections (staff move or cancel one, and the
applicant is told at once), re-inspection fees, extension requests and certificates of
occupancy.

Every change to an inspection goes through `permits.services.inspections`, never a bare save:
the admin's inspection page is read-only with its own "move or cancel" form.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from payments.money import format_cents
from permits.exceptions import InspectionRefused, IssuanceRefused
from permits.models import (
    CertificateOfOccupancy,
    Inspection,
    InspectionRules,
    InspectionSlot,
    InspectorShift,
    Period,
    PermitExtension,
    ReinspectionFee,
)
from permits.services import inspections as services
from permits.services import issuance
from permits.type_forms import ReinspectionFeeForm


@admin.register(InspectionRules)
class InspectionRulesAdmin(admin.ModelAdmin):
    list_display = ["__str__", "cutoff", "days_ahead", "change_deadline"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not InspectionRules.objects.exists()


@admin.register(InspectorShift)
class InspectorShiftAdmin(admin.ModelAdmin):
    list_display = ["inspector", "weekday", "period", "area", "capacity", "appointment_minutes"]
    list_filter = ["weekday", "period", "area"]
    autocomplete_fields = ["inspector", "area"]
    list_select_related = ["inspector", "area"]


class SlotForm(forms.ModelForm):
    class Meta:
        model = InspectionSlot
        fields = ["capacity"]

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk and capacity < self.instance.booked:
            raise forms.ValidationError(
                _(
                    "%(booked)s inspections are booked in this half-day: move or cancel some "
                    "before lowering its capacity below that."
                )
                % {"booked": self.instance.booked}
            )
        if self.instance.starts_at is not None and capacity > 1:
            raise forms.ValidationError(
                _("An exact time is one inspection: its capacity is 1, or 0 for a time off.")
            )
        return capacity


@admin.register(InspectionSlot)
class InspectionSlotAdmin(admin.ModelAdmin):
    """Half-days are made from the shifts; staff change one day's capacity (a day off: 0)."""

    form = SlotForm
    list_display = ["day", "period", "starts_at", "inspector", "area", "booked", "capacity"]
    list_filter = ["period", "area", ("day", admin.DateFieldListFilter)]
    list_select_related = ["inspector", "area"]
    readonly_fields = ["inspector", "day", "period", "starts_at", "area", "booked"]
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False


class MoveForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Change"),
        choices=[("move", _("Move to another time")), ("cancel", _("Cancel"))],
        widget=forms.RadioSelect,
    )
    day = forms.DateField(
        label=_("New day"), required=False, widget=forms.DateInput({"type": "date"})
    )
    period = forms.ChoiceField(label=_("Period"), choices=Period.choices, required=False)
    starts_at = forms.TimeField(
        label=_("Exact time"),
        required=False,
        widget=forms.TimeInput({"type": "time"}),
        help_text=_("Only where the inspector's shift is at exact times; then the period follows."),
    )
    reason = forms.CharField(
        label=_("Reason, told to the applicant"), widget=forms.Textarea({"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "move" and not (
            data.get("day") and (data.get("period") or data.get("starts_at"))
        ):
            raise forms.ValidationError(_("Choose the new day and period."))
        return data


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["day", "period", "inspector", "permit_number", "step", "status", "result"]
    list_filter = ["status", "result", "period", ("day", admin.DateFieldListFilter)]
    search_fields = ["permit__permit_number", "permit__case__reference", "permit__address"]
    list_select_related = ["inspector", "permit", "step"]
    date_hierarchy = "day"
    readonly_fields = [
        "permit",
        "step",
        "inspector",
        "day",
        "period",
        "route_order",
        "status",
        "result",
        "checklist",
        "deficiencies",
        "comments",
        "resulted_at",
        "resulted_by",
        "cancelled_at",
        "cancel_reason",
        "fee_invoice",
        "change_link",
    ]
    exclude = ["slot", "remind_on", "booked_by"]

    @admin.display(description=_("permit"))
    def permit_number(self, inspection):
        return inspection.permit.permit_number

    @admin.display(description=_("move or cancel"))
    def change_link(self, inspection):
        if inspection.status != Inspection.Status.SCHEDULED:
            return "—"
        url = reverse("admin:permits_inspection_move", args=[inspection.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Move or cancel this inspection"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/move/",
                self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.move)),
                name="permits_inspection_move",
            ),
            *super().get_urls(),
        ]

    def move(self, request, object_id):
        """Move or cancel a booked inspection for the applicant: one form, one service call."""
        inspection = self.get_object(request, unquote(object_id))
        if inspection is None:
            raise Http404
        if not self.has_view_permission(request, inspection):
            raise PermissionDenied
        form = MoveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "cancel":
                    services.inspection_cancel(
                        inspection=inspection, actor=request.user, reason=data["reason"]
                    )
                else:
                    services.inspection_reschedule(
                        inspection=inspection,
                        day=data["day"],
                        period=data["period"],
                        starts_at=data["starts_at"],
                        actor=request.user,
                        reason=data["reason"],
                    )
                messages.success(request, gettext("Done. The applicant has been told."))
                return redirect("admin:permits_inspection_change", inspection.pk)
            except InspectionRefused as refused:
                form.add_error(None, str(refused))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Move or cancel an inspection"),
            "inspection": inspection,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "permits/admin/inspection_move.html", context)


@admin.register(ReinspectionFee)
class ReinspectionFeeAdmin(admin.ModelAdmin):
    form = ReinspectionFeeForm
    list_display = ["permit_type", "fee", "free_failures"]

    @admin.display(description=_("re-inspection fee"), ordering="fee_cents")
    def fee(self, rule: ReinspectionFee) -> str:
        return format_cents(rule.fee_cents, settings.AGENCY["currency"])


@admin.register(PermitExtension)
class PermitExtensionAdmin(admin.ModelAdmin):
    list_display = ["permit", "status", "created_at", "days", "new_expiry"]
    list_filter = ["status"]
    readonly_fields = [
        "permit",
        "reason",
        "requested_by",
        "status",
        "days",
        "decided_at",
        "decided_by",
        "previous_expiry",
        "new_expiry",
    ]
    actions = ["grant", "refuse"]

    def has_add_permission(self, request):
        return False

    def _decide(self, request, queryset, grant: bool):
        for extension in queryset.filter(status=PermitExtension.Status.REQUESTED):
            try:
                issuance.extension_decide(extension=extension, actor=request.user, grant=grant)
            except (IssuanceRefused, PermissionDenied) as refused:
                self.message_user(request, str(refused), messages.ERROR)

    @admin.action(description=_("Grant the type's validity again"))
    def grant(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description=_("Refuse"))
    def refuse(self, request, queryset):
        self._decide(request, queryset, False)


@admin.register(CertificateOfOccupancy)
class CertificateOfOccupancyAdmin(admin.ModelAdmin):
    list_display = ["number", "permit", "issued_at"]
    readonly_fields = ["number", "permit", "issued_at", "inspection"]
    search_fields = ["number", "permit__permit_number"]

    def has_add_permission(self, request):
        return False
