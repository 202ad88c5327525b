"""The register of licenses: each license's history, its certificate, disciplinary actions
recorded against it, and the legacy import (`licensing.admin.imports`) from its list.
"""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from cases import permissions
from licensing import selectors, services
from licensing.admin import imports
from licensing.admin.enforcement import DisciplinaryActionInline
from licensing.exceptions import LicensingError
from licensing.forms import DisciplinaryActionForm
from licensing.models import License, LicenseEvent
from licensing.pdf import certificate_filename, certificate_pdf
from licensing.workflow import LICENSE_APPLICATION


class LicenseEventInline(admin.TabularInline):
    """The license's own timeline (reminders, renewals, expiry, lapse), read only."""

    model = LicenseEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "expires_on", "offset_days", "action"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    verbose_name_plural = _("history of this license")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Part of the license's record: whoever may see the license sees its history.
        return request.user.has_perm("licensing.view_license")


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    change_list_template = "licensing/admin/license_change_list.html"
    inlines = [LicenseEventInline]
    list_display = ["number", "holder_name", "license_type", "status", "issued_on", "expires_on"]
    list_filter = ["status", "license_type"]
    search_fields = ["=number", "=legacy_reference", "holder_name", "business_name", "holder_email"]
    list_select_related = ["license_type"]
    show_full_result_count = False
    readonly_fields = [
        "number",
        "license_type",
        "holder",
        "holder_name",
        "business_name",
        "holder_email",
        "holder_phone",
        "status",
        "issued_on",
        "expires_on",
        "application",
        "legacy_reference",
        "imported_in",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Licenses change only through the licensing services."""

    # --- certificate ---

    @admin.display(description=_("certificate"))
    def certificate(self, license):
        url = reverse("admin:licensing_license_certificate", args=[license.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the certificate (PDF)"))

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "certificate", "discipline_link"]

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), DisciplinaryActionInline]

    def get_urls(self):
        return [
            path(
                "<path:object_id>/certificate/",
                self.admin_site.admin_view(self.certificate_view),
                name="licensing_license_certificate",
            ),
            *self._import_urls(),
            path(
                "<path:object_id>/discipline/",
                self.admin_site.admin_view(
                    require_http_methods(["GET", "POST"])(self.discipline_view)
                ),
                name="licensing_license_discipline",
            ),
            *super().get_urls(),
        ]

    # --- enforcement ---

    @admin.display(description=_("disciplinary action"))
    def discipline_link(self, license):
        url = reverse("admin:licensing_license_discipline", args=[license.pk])
        return format_html('<a href="{}">{}</a>', url, _("Record a disciplinary action"))

    def discipline_view(self, request, object_id):
        """Record a warning, fine, suspension or revocation: one form, one service call."""
        license = self.get_object(request, unquote(object_id))
        if license is None:
            raise Http404
        if not request.user.has_perm("licensing.add_disciplinaryaction"):
            raise PermissionDenied
        complaints = list(selectors.complaints_of_license(license=license))
        form = DisciplinaryActionForm(
            request.POST or None,
            complaints=complaints,
            initial={"complaint": request.GET.get("complaint")},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                action = services.disciplinary_action_record(
                    license=license,
                    actor=request.user,
                    kind=data["kind"],
                    public=data["public"],
                    public_summary=data["public_summary"],
                    internal_note=data["internal_note"],
                    ends_on=data["ends_on"],
                    fine_cents=form.fine_cents(),
                    complaint=next((c for c in complaints if c.pk == data["complaint"]), None),
                )
            except (LicensingError, ValueError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("%(action)s recorded against %(number)s.")
                    % {"action": action.get_kind_display(), "number": license.number},
                )
                return HttpResponseRedirect(
                    reverse("admin:licensing_license_change", args=[license.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Disciplinary action against %(number)s") % {"number": license.number},
            "license": license,
            "form": form,
        }
        status = 400 if form.is_bound and form.errors else 200
        return render(request, "licensing/admin/discipline.html", context, status=status)

    def certificate_view(self, request, object_id):
        license = self.get_object(request, unquote(object_id))
        if license is None:
            raise Http404
        # Licensing's documents are for the staff whose role reads them (not its inspectors
        # or cashiers), as on the holder's own certificate link.
        may_read = permissions.can(
            request.user, permissions.VIEW_DOCUMENTS, LICENSE_APPLICATION.department_code
        )
        if not (self.has_view_permission(request, license) and may_read):
            raise PermissionDenied
        response = HttpResponse(certificate_pdf(license=license), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate_filename(license)}"'
        return response

    # --- Legacy import (licensing.admin.imports) ---------------------------------------------

    def _import_urls(self):
        view = partial(imports.license_import_view, self)
        return [
            path(
                "import/",
                self.admin_site.admin_view(require_http_methods(["GET", "POST"])(view)),
                name="licensing_license_import",
            ),
        ]

    def lookup_allowed(self, lookup, value, request=None):
        # The import's result links to the licenses one import created.
        return lookup == "imported_in__id__exact" or super().lookup_allowed(lookup, value, request)

    def changelist_view(self, request, extra_context=None):
        context = {
            "can_import": request.user.has_perm(imports.PERMISSION),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)
