"""Check and pay, the status page of an application, discarding a draft, and the
applicant's permits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from cases.drafts import draft_discard_page, drafts_and_sent
from cases.questions.summary import answer_rows
from cases.selectors import resident_timeline
from permits import selectors_apply as selectors
from permits.exceptions import AlreadyPaid, PermitIncomplete, PermitNotEditable
from permits.models import Permit
from permits.selectors_cancel import cancel_reason
from permits.selectors_reviews import letters_of, review_standings
from permits.services import apply as services
from permits.views.apply.flow import applicant_page, draft_of, step_url
from permits.workflow import APPROVED, IN_REVIEW, SUBMITTED, WITHDRAWABLE


@applicant_page
@require_http_methods(["GET", "POST"])
def apply_check(request: HttpRequest, reference: str) -> HttpResponse:
    permit = draft_of(request, reference)
    if isinstance(permit, HttpResponse):
        return permit
    problems = services.permit_problems(permit=permit)
    if request.method == "POST":
        try:
            invoice = services.permit_request_payment(permit=permit, actor=request.user)
        except PermitIncomplete:
            problems = services.permit_problems(permit=permit)
        except (AlreadyPaid, PermitNotEditable) as error:
            messages.error(request, str(error))
            return redirect(permit.get_absolute_url())
        else:
            if invoice is None:
                return redirect(permit.get_absolute_url())
            return redirect("payments:invoice", reference=invoice.reference)
    context = {
        "permit": permit,
        "permit_type": permit.permit_type,
        "quote": services.permit_fee_quote(permit=permit),
        "answers": answer_rows(services.permit_questions(permit=permit), permit.answers),
        "sheets": list(permit.plan_sheets.all()),
        "documents": list(permit.supplied_documents.select_related("requirement", "document")),
        "problems": [(message, step_url(permit, page)) for page, message in problems],
        "step": Permit.Step.CHECK,
        "steps": [(key, label, step_url(permit, key)) for key, label in Permit.Step.choices],
        "done": list(Permit.Step.values)[: list(Permit.Step.values).index(permit.step)],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "permits/apply_check.html", context, status=status)


@applicant_page
@require_GET
def permit_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The confirmation and status page: reference, what happens next, the timeline."""
    permit = selectors.permit_for_applicant(user=request.user, reference=reference)
    # Plan review: what is still open and with whom, and the correction letters.
    standings = review_standings(permit=permit)
    context = {
        "permit": permit,
        "case": permit.case,
        "sheets": list(permit.plan_sheets.all()),
        "timeline": resident_timeline(case=permit.case),
        "standings": standings,
        "letters": letters_of(permit=permit),
        # Sent, and no department has answered yet (plans go to review as soon as the fee
        # is paid; a type without reviewing departments is approved at once).
        "just_sent": permit.paid_at is not None
        and permit.issued_at is None
        and permit.case.status in (SUBMITTED, IN_REVIEW, APPROVED)
        and not any(row.is_done or row.with_applicant for row in standings),
        "may_withdraw": permit.case.status in WITHDRAWABLE,
        "cancel_reason": cancel_reason(permit=permit),
    }
    return render(request, "permits/application_detail.html", context)


@applicant_page
@require_http_methods(["GET", "POST"])
def permit_discard(request: HttpRequest, reference: str) -> HttpResponse:
    """Ask first (GET), then discard (POST): a draft is never lost to a stray click."""
    permit = draft_of(request, reference)
    if isinstance(permit, HttpResponse):
        return permit
    return draft_discard_page(
        request,
        draft=permit,
        template="permits/discard_confirm.html",
        context={"permit": permit},
        discard=lambda: services.permit_discard(permit=permit, actor=request.user),
        refused=PermitNotEditable,
        done_url=reverse("permits:mine"),
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    drafts, permits = drafts_and_sent(selectors.permits_of(user=request.user))
    context = {"drafts": drafts, "permits": permits}
    return render(request, "permits/mine.html", context)
