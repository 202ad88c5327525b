"""A plan sheet opened from the inspector's page of an inspection, to read on site."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from permits.models import PlanSheet
from permits.plan_files import sheet_response
from permits.selectors_inspections import is_inspector
from permits.selectors_plans import plan_sheet_for_inspector


@login_required
@require_GET
def inspection_plan_sheet(request: HttpRequest, pk: int, sheet_id: int) -> FileResponse:
    """The PDF shown in the phone's browser (checked as a PDF on upload), nosniff. Private:
    the inspector's offline copy may keep it, a shared cache never."""
    if not is_inspector(request.user):
        raise PermissionDenied
    try:
        sheet = plan_sheet_for_inspector(
            inspector=request.user, inspection_pk=pk, sheet_id=sheet_id
        )
    except PlanSheet.DoesNotExist as missing:
        raise Http404 from missing
    return sheet_response(sheet, cache="private")
