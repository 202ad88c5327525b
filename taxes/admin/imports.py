"""The roll imports: the record of each applied import (read only) and the upload page.

Upload runs a dry run (the whole import, rolled back) and shows its preview: what would be
created and adjusted, or every row error; and the rows to check (a lender conflict), listed
again once imported. "Import" applies it. Between the two, the file is
kept in the site's file storage (S3-compatible in production, so any web worker can serve the
second request) under a random name that the shared cache ties to the clerk; the import
checks every row again. Large rolls go through `manage.py import_tax_roll`.
"""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from taxes.exceptions import RollRefused
from taxes.models import RollImport
from taxes.roll_columns import COLUMNS
from taxes.services.roll import roll_import

PERMISSION = "taxes.add_taxbill"
PREVIEW_SECONDS = 60 * 60
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
SHOWN_ERRORS = 500
# Rows to check listed after the import, one message each (the preview lists them all).
SHOWN_NOTES = 50


class RollUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The assessor's roll (CSV)"),
        help_text=gettext_lazy("UTF-8, comma-separated; first row: the column names below."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is bigger than %(mb)d MB: import it with the command "
                    "“manage.py import_tax_roll”."
                )
                % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


def _cache_key(token: str) -> str:
    return f"taxes:roll-upload:{token}"


def _page(request, model_admin, context: dict, status: int = 200) -> HttpResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Import the tax roll"),
        "columns": COLUMNS,
        "shown_errors": SHOWN_ERRORS,
        "shown_slice": f":{SHOWN_ERRORS}",
        **context,
    }
    return render(request, "taxes/admin/roll_import.html", context, status=status)


def roll_upload_view(model_admin, request: HttpRequest) -> HttpResponse:
    """Upload and preview (a dry run) or, with a preview's token, apply the import."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return _apply(model_admin, request, request.POST["token"])
    if request.method != "POST":
        return _page(request, model_admin, {"form": RollUploadForm()})
    form = RollUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, model_admin, {"form": form}, 400)
    upload = form.cleaned_data["file"]
    try:
        report = roll_import(stream=upload, file_name=upload.name, dry_run=True)
    except RollRefused as error:
        form.add_error("file", str(error))
        return _page(request, model_admin, {"form": form}, 400)
    token = ""
    if not report.error_count:
        token = secrets.token_urlsafe(24)
        upload.seek(0)
        stored = default_storage.save(f"taxes/rolls/{token}.csv", upload)
        cache.set(
            _cache_key(token),
            {"user": request.user.pk, "name": upload.name, "path": stored},
            timeout=PREVIEW_SECONDS,
        )
    return _page(request, model_admin, {"form": RollUploadForm(), "report": report, "token": token})


def _apply(model_admin, request: HttpRequest, token: str) -> HttpResponse:
    held = cache.get(_cache_key(token))
    if held is None or held["user"] != request.user.pk:
        messages.error(request, _("That preview has expired. Upload the file again."))
        return HttpResponseRedirect(reverse("admin:taxes_rollimport_upload"))
    try:
        with default_storage.open(held["path"], "rb") as stream:
            report = roll_import(stream=stream, file_name=held["name"], actor=request.user)
    except RollRefused as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("admin:taxes_rollimport_upload"))
    cache.delete(_cache_key(token))
    default_storage.delete(held["path"])
    if not report.applied:
        # The bills changed since the preview (another import): show why.
        return _page(request, model_admin, {"form": RollUploadForm(), "report": report}, 400)
    for line, note in report.notes[:SHOWN_NOTES]:
        messages.warning(request, _("Row %(row)d: %(note)s") % {"row": line, "note": note})
    if report.note_count > SHOWN_NOTES:
        messages.warning(
            request,
            _("And %(count)d more rows to check: see the bills' timelines.")
            % {"count": report.note_count - SHOWN_NOTES},
        )
    messages.success(
        request,
        _(
            "Roll %(file)s imported: %(bills)d bills created, %(adjusted)d adjusted, "
            "%(unchanged)d unchanged."
        )
        % {
            "file": held["name"],
            "bills": report.bills_created,
            "adjusted": report.bills_adjusted,
            "unchanged": report.bills_unchanged,
        },
    )
    return HttpResponseRedirect(reverse("admin:taxes_rollimport_changelist"))


@admin.register(RollImport)
class RollImportAdmin(admin.ModelAdmin):
    change_list_template = "taxes/admin/rollimport_change_list.html"
    list_display = [
        "created_at",
        "file_name",
        "imported_by",
        "rows",
        "parcels_created",
        "bills_created",
        "bills_adjusted",
        "bills_unchanged",
        "lender_conflicts",
        "lender_conflicts_new",
    ]
    list_select_related = ["imported_by"]
    readonly_fields = [*list_display, "file_sha256", "seconds"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        def view(request):
            return roll_upload_view(self, request)

        return [
            path(
                "upload/",
                self.admin_site.admin_view(require_http_methods(["GET", "POST"])(view)),
                name="taxes_rollimport_upload",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        context = {"can_import": request.user.has_perm(PERMISSION), **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)
