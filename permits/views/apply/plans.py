"""The plans page of a draft (plan sheets, one PDF each, and the type's other documents:
two forms, each working on its own) and the download of a sheet."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cases.questions.selectors import documents_of
from permits import selectors_apply as selectors
from permits.exceptions import PermitNotEditable
from permits.forms_apply import (
    PermitDocumentForm,
    PlanSheetForm,
)
from permits.models import Permit, PlanSheet
from permits.plan_files import sheet_response
from permits.services import apply as services
from permits.services import apply_plans as plans
from permits.views.apply.flow import (
    applicant_page,
    draft_of,
    draft_page,
    next_step,
    saved_for_later,
    saving_for_later,
    step_url,
)
from portal.localized import localized


def _add_document(request, permit: Permit, form: PermitDocumentForm, requirements) -> bool:
    """Upload one document of the checklist; False (errors on the form) if refused."""
    if not form.is_valid():
        return False
    requirement = next(r for r in requirements if r.pk == form.cleaned_data["requirement"])
    try:
        services.permit_add_document(
            permit=permit,
            actor=request.user,
            requirement=requirement,
            upload=form.cleaned_data["file"],
        )
    except ValidationError as error:
        form.add_error("file", error)
        return False
    except PermitNotEditable as error:
        form.add_error(None, error)
        return False
    messages.success(
        request, _("%(document)s uploaded.") % {"document": localized(requirement, "name")}
    )
    return True


def _add_sheet(request, permit: Permit, form: PlanSheetForm) -> bool:
    """Upload one plan sheet; False (errors on the form) if refused."""
    if not form.is_valid():
        return False
    try:
        row = plans.plan_sheet_add(
            permit=permit,
            actor=request.user,
            sheet=form.cleaned_data["sheet"],
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
        )
    except ValidationError as error:
        form.add_error("sheet" if hasattr(error, "error_dict") else "file", error)
        return False
    except PermitNotEditable as error:
        form.add_error(None, error)
        return False
    messages.success(request, _("Sheet %(sheet)s uploaded.") % {"sheet": row.sheet})
    return True


@applicant_page
@require_http_methods(["GET", "POST"])
def apply_plans(request: HttpRequest, reference: str) -> HttpResponse:
    """The plan sheets, one PDF each, and the type's other documents: two forms, each
    working on its own."""
    permit = draft_of(request, reference)
    if isinstance(permit, HttpResponse):
        return permit
    requirements = documents_of(owner=permit.permit_type)
    posted = request.method == "POST"
    is_document = posted and request.POST.get("form") == "document"
    sheet_form = PlanSheetForm(
        request.POST if posted and not is_document else None,
        request.FILES if posted and not is_document else None,
    )
    document_form = (
        PermitDocumentForm(
            request.POST if is_document else None,
            request.FILES if is_document else None,
            requirements=requirements,
        )
        if requirements
        else None
    )
    if posted and "remove" in request.POST:
        try:
            plans.plan_sheet_remove(
                permit=permit, actor=request.user, sheet_id=int(request.POST["remove"])
            )
        except (ValueError, PlanSheet.DoesNotExist):
            raise Http404("No such sheet.") from None
        messages.success(request, _("The sheet was removed."))
        return redirect(request.get_full_path())
    if posted and not request.FILES and saving_for_later(request):
        # Nothing chosen to upload: everything on this page is saved already.
        return saved_for_later(request, permit, checked=True)
    if posted:
        if is_document and document_form is not None:
            saved = _add_document(request, permit, document_form, requirements)
        else:
            saved = _add_sheet(request, permit, sheet_form)
        if saved:
            if saving_for_later(request):
                return saved_for_later(request, permit, checked=True)
            return redirect(request.get_full_path())
    permit = selectors.permit_for_applicant(user=request.user, reference=reference)
    supplied: dict[int, list] = {}
    for item in permit.supplied_documents.select_related("document"):
        supplied.setdefault(item.requirement_id, []).append(item.document)
    response = draft_page(
        request,
        "permits/apply_plans.html",
        permit,
        sheet_form,
        Permit.Step.PLANS,
        sheets=list(permit.plan_sheets.all()),
        document_form=document_form,
        checklist=[(r, supplied.get(r.pk, [])) for r in requirements],
        continue_url=step_url(permit, next_step(request, Permit.Step.QUESTIONS)),
    )
    if posted and document_form is not None and document_form.errors:
        response.status_code = 400
    return response


@applicant_page
@require_GET
def plan_sheet_download(request: HttpRequest, reference: str, sheet_id: int) -> HttpResponse:
    sheet = selectors.plan_sheet_for_applicant(
        user=request.user, reference=reference, sheet_id=sheet_id
    )
    return sheet_response(
        sheet, filename=f"{reference}-{sheet.sheet_slug}-v{sheet.version}.pdf", attachment=True
    )
