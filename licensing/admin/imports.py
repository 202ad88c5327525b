"""The back office's "Import licenses from CSV" pages, reached from the license register.

Upload shows a dry-run preview (nothing written); "Import" applies it. Between the two, the
file is held in the shared cache (Redis) under a random token tied to the clerk, so any web
worker can serve the second request and nothing touches the database before the clerk
confirms. The import checks every row again, so a stale preview cannot import a bad row.
"""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from licensing import services
from licensing.models import LicenseImport
from licensing.services.imports import COLUMNS, MAX_BYTES, MAX_ROWS

PREVIEW_SECONDS = 60 * 60
SHOWN_ROWS = 200
PERMISSION = "licensing.add_license"


class LicenseImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file of licenses"),
        help_text=gettext_lazy(
            "UTF-8 (with or without a byte-order mark), UTF-16 or Windows-1252; separated by "
            "commas, semicolons or tabs; first row: the column names below."
        ),
    )


def _cache_key(token: str) -> str:
    return f"licensing:import:{token}"


def _page(request: HttpRequest, model_admin, context: dict, status: int = 200) -> HttpResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Import licenses from CSV"),
        "columns": COLUMNS,
        "max_mb": MAX_BYTES // (1024 * 1024),
        "max_rows": MAX_ROWS,
        **context,
    }
    return render(request, "licensing/admin/license_import.html", context, status=status)


def license_import_view(model_admin, request: HttpRequest) -> HttpResponse:
    """Upload (dry run, preview) or, with a preview's token, apply the import."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return _apply(model_admin, request, request.POST["token"])
    if request.method != "POST":
        return _page(request, model_admin, {"form": LicenseImportForm()})
    form = LicenseImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, model_admin, {"form": form}, 400)
    upload = form.cleaned_data["file"]
    # One byte past the limit is enough for the service to refuse the file as too big.
    content = upload.read(MAX_BYTES + 1)
    try:
        report = services.license_import(
            content=content, file_name=upload.name, actor=request.user, dry_run=True
        )
    except services.ImportRefused as error:
        form.add_error("file", str(error))
        return _page(request, model_admin, {"form": form}, 400)
    token = ""
    if report.to_create:
        token = secrets.token_urlsafe(24)
        cache.set(
            _cache_key(token),
            {"user": request.user.pk, "name": upload.name, "content": content},
            timeout=PREVIEW_SECONDS,
        )
    context = {
        "form": LicenseImportForm(),
        "report": report,
        "token": token,
        # Every error is listed; of the rest, enough to check the columns were read right.
        "row_groups": [
            (_("Rows to create"), report.to_create),
            (_("Rows already imported (skipped)"), report.already),
        ],
        "shown_rows": SHOWN_ROWS,
        "shown_slice": f":{SHOWN_ROWS}",
    }
    return _page(request, model_admin, context)


def _apply(model_admin, request: HttpRequest, token: str) -> HttpResponse:
    held = cache.get(_cache_key(token))
    if held is None or held["user"] != request.user.pk:
        messages.error(request, _("That preview has expired. Upload the file again."))
        return HttpResponseRedirect(reverse("admin:licensing_license_import"))
    try:
        report = services.license_import(
            content=held["content"], file_name=held["name"], actor=request.user
        )
    except services.ImportRefused as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("admin:licensing_license_import"))
    cache.delete(_cache_key(token))
    messages.success(
        request,
        _(
            "Import of %(file)s: %(created)d licenses created, %(already)d already imported, "
            "%(refused)d rows refused."
        )
        % {
            "file": held["name"],
            "created": len(report.to_create),
            "already": len(report.already),
            "refused": len(report.refused),
        },
    )
    return HttpResponseRedirect(
        reverse("admin:licensing_license_changelist") + f"?imported_in__id__exact={report.batch.pk}"
    )


@admin.register(LicenseImport)
class LicenseImportAdmin(admin.ModelAdmin):
    """The record of applied imports: read only, each linking to the licenses it created."""

    list_display = [
        "created_at",
        "file_name",
        "imported_by",
        "rows",
        "created_count",
        "already_count",
        "error_count",
    ]
    list_select_related = ["imported_by"]
    readonly_fields = [*list_display, "file_sha256", "licenses_link"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("licenses created"))
    def licenses_link(self, batch):
        url = reverse("admin:licensing_license_changelist")
        return format_html(
            '<a href="{}?imported_in__id__exact={}">{}</a>',
            url,
            batch.pk,
            _("See the %(count)d licenses") % {"count": batch.created_count},
        )
