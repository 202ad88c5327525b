"""The applicant's plan-review page: where each department stands, what is still open and
with whom, the correction letters, revised sheets and sending the plans back.

Thin: the permit is found through a selector scoped to the applicant, each POST calls one
service, and refusals come back as messages or form errors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from permits import selectors_reviews as selectors
from permits import workflow as wf
from permits.correction_letters import letter_filename, letter_pdf
from permits.models import PlanSheet
from permits.review_forms import RevisedSheetForm
from permits.services import reviews as services


def _page(request: HttpRequest, permit, *, sheet_form=None, status: int = 200) -> HttpResponse:
    case = permit.case
    letters = selectors.letters_of(permit=permit)
    waiting = case.status == wf.CORRECTIONS_REQUIRED
    next_round = letters[-1].round + 1 if letters else 1
    standings = selectors.review_standings(permit=permit)
    context = {
        "permit": permit,
        "case": case,
        "standings": standings,
        "open_total": sum(len(row.open_comments) for row in standings),
        "letters": letters,
        "waiting_for_corrections": waiting,
        "sheet_form": sheet_form or RevisedSheetForm(),
        "revised": list(
            PlanSheet.objects.filter(permit=permit, review_round=next_round, version__gte=1)
            .filter(removed_at__isnull=True)
            .order_by("sheet", "version")
        )
        if waiting
        else [],
    }
    return render(request, "permits/review_status.html", context, status=status)


@login_required
@require_GET
def review_status(request: HttpRequest, reference: str) -> HttpResponse:
    permit = selectors.permit_for_resident(user=request.user, reference=reference)
    return _page(request, permit)


@never_cache
@login_required
@require_GET
def correction_letter(request: HttpRequest, reference: str, round_: int) -> HttpResponse:
    """The round's correction letter as a PDF, in the applicant's language."""
    permit = selectors.permit_for_resident(user=request.user, reference=reference)
    letter = selectors.letter_of(permit=permit, round_=round_)
    response = HttpResponse(letter_pdf(letter=letter), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter_filename(letter)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def sheet_upload(request: HttpRequest, reference: str) -> HttpResponse:
    permit = selectors.permit_for_resident(user=request.user, reference=reference)
    form = RevisedSheetForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.plan_sheet_revise(
                permit=permit,
                sheet=form.cleaned_data["sheet"],
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                actor=request.user,
            )
        except ValidationError as error:  # PlanRejected: the file is refused
            form.add_error("file", error)
        except services.ReviewRefused as error:
            messages.error(request, str(error))
            return redirect("permits:review", reference=reference)
    if not form.is_valid():
        return _page(request, permit, sheet_form=form, status=400)
    messages.success(
        request, _("Sheet %(sheet)s uploaded.") % {"sheet": form.cleaned_data["sheet"]}
    )
    return redirect(reverse("permits:review", args=[reference]) + "#revised")


@login_required
@require_POST
def resubmit(request: HttpRequest, reference: str) -> HttpResponse:
    permit = selectors.permit_for_resident(user=request.user, reference=reference)
    try:
        services.review_resubmit(permit=permit, actor=request.user)
    except services.ReviewRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your revised plans were sent for review."))
    return redirect("permits:review", reference=reference)
