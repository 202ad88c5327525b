"""A mortgage lender's escrow files: upload (a preview, or the file's rows with their
problems), the preview or record of a file, and its confirmation.

Thin: only members of a lender reach these pages (403 for any other account); a file is
found only among the files of the member's lenders (404 otherwise).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taxes import escrow_selectors
from taxes.charges import agency_date
from taxes.exceptions import EscrowFileRefused
from taxes.forms import EscrowFileForm
from taxes.services import escrow

SHOWN_ROWS = 1000


def _lenders(request: HttpRequest):
    lenders = escrow_selectors.lenders_of(user=request.user)
    if not lenders.exists():
        raise PermissionDenied(_("These pages are for mortgage lenders' staff."))
    return lenders


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def escrow_files(request: HttpRequest) -> HttpResponse:
    """Upload a file of escrowed parcels; the lenders' earlier files."""
    lenders = _lenders(request)
    form = EscrowFileForm(
        request.POST or None,
        request.FILES or None,
        lenders=lenders,
        initial={"tax_year": agency_date(timezone.now()).year},
    )
    refused, status = None, 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            escrow_file = escrow.escrow_file_upload(
                stream=upload,
                file_name=upload.name,
                lender=form.cleaned_data["lender"],
                tax_year=form.cleaned_data["tax_year"],
                uploaded_by=request.user,
            )
        except EscrowFileRefused as error:
            refused, status = error, 400
        else:
            return redirect("taxes:escrow_file", file_id=escrow_file.pk)
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "refused": refused,
        "shown_rows": refused.rows[:SHOWN_ROWS] if refused else [],
        "escrow_files": escrow_selectors.escrow_files_of(user=request.user)[:50],
    }
    return render(request, "taxes/escrow_files.html", context, status=status)


@login_required
@never_cache
@require_GET
def escrow_file(request: HttpRequest, file_id: int) -> HttpResponse:
    found = escrow_selectors.escrow_file_of(user=request.user, file_id=file_id)
    if found is None:
        raise Http404
    report = escrow_selectors.escrow_file_report(escrow_file=found)
    return render(request, "taxes/escrow_file.html", report)


@login_required
@never_cache
@require_POST
def escrow_file_confirm(request: HttpRequest, file_id: int) -> HttpResponse:
    found = escrow_selectors.escrow_file_of(user=request.user, file_id=file_id)
    if found is None:
        raise Http404
    applied = escrow.escrow_file_apply(escrow_file=found, actor=request.user)
    messages.success(
        request,
        ngettext(
            "Confirmed: %(count)d bill is now marked as paid from your escrow.",
            "Confirmed: %(count)d bills are now marked as paid from your escrow.",
            applied.bills_marked,
        )
        % {"count": applied.bills_marked},
    )
    return redirect("taxes:escrow_file", file_id=applied.pk)
