"""The back office for enforcement: complaints to investigate (their work is the case's own
page) and the register of disciplinary actions, which are recorded from the license's page
(`LicenseAdmin.discipline_view`) through `licensing.services`.

Registered on import by the `licensing.admin` package.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.admin.queue import CaseRowColumns
from licensing.models import Complaint, DisciplinaryAction
from payments.money import format_cents


def fine_display(action: DisciplinaryAction) -> str:
    """The fine in dollars, or a dash for an action that is not a fine."""
    if action.fine_cents is None:
        return "-"
    return format_cents(action.fine_cents, settings.AGENCY["currency"])


class DisciplinaryActionInline(admin.TabularInline):
    model = DisciplinaryAction
    fk_name = "license"
    extra = 0
    can_delete = False
    fields = [
        "kind",
        "starts_on",
        "ends_on",
        "fine",
        "invoice",
        "public",
        "public_summary",
        "complaint",
        "recorded_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("fine"))
    def fine(self, action):
        return fine_display(action)


@admin.register(Complaint)
class ComplaintAdmin(CaseRowColumns, admin.ModelAdmin):
    """Complaints to investigate; the work itself (status, notes, messages) is the case's."""

    list_display = ["reference", "license", "status", "due", "created_at"]
    list_filter = ["case__status"]
    list_select_related = ["case", "license"]
    search_fields = ["=case__reference", "=license__number", "license__holder_name"]
    show_full_result_count = False
    fields = ["case_link", "license_link", "details", "occurred_on", "actions_link"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Complaints change only through their case and the licensing services."""

    @admin.display(description=_("case"))
    def case_link(self, complaint):
        url = reverse("admin:cases_case_change", args=[complaint.case_id])
        return format_html(
            '<a href="{}">{}</a> ({})',
            url,
            complaint.case.reference,
            _("status, assign, notes, messages"),
        )

    @admin.display(description=_("license"))
    def license_link(self, complaint):
        url = reverse("admin:licensing_license_change", args=[complaint.license_id])
        return format_html(
            '<a href="{}">{}</a> ({})',
            url,
            complaint.license.number,
            complaint.license.holder_name,
        )

    @admin.display(description=_("disciplinary action"))
    def actions_link(self, complaint):
        url = reverse("admin:licensing_license_discipline", args=[complaint.license_id])
        return format_html(
            '<a href="{}?complaint={}">{}</a>',
            url,
            complaint.pk,
            _("Record a disciplinary action for this complaint"),
        )


@admin.register(DisciplinaryAction)
class DisciplinaryActionAdmin(admin.ModelAdmin):
    """The register of actions; they are recorded from the license's page."""

    list_display = ["license", "kind", "starts_on", "ends_on", "public", "recorded_by"]
    list_filter = ["kind", "public"]
    list_select_related = ["license", "recorded_by"]
    search_fields = ["=license__number", "license__holder_name"]
    show_full_result_count = False
    fields = [
        "license",
        "complaint",
        "kind",
        "starts_on",
        "ends_on",
        "fine",
        "invoice",
        "public",
        "public_summary",
        "internal_note",
        "recorded_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Actions are recorded only through the licensing services."""

    @admin.display(description=_("fine"))
    def fine(self, action):
        return fine_display(action)
