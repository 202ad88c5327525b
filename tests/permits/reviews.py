"""Building blocks of the plan-review tests: a permit of a type reviewed by zoning and fire,
submitted with plan sheets, reviewers of each department, and the review moved through the
real services."""

from __future__ import annotations

from django.core.files.base import ContentFile

from permits.models import PlanSheet
from permits.models.reviews import PlanReview, ReviewDecision
from permits.services import reviews as services
from tests.accounts.factories import StaffFactory
from tests.cases.factories import pdf_bytes
from tests.permits.factories import PermitFactory, PermitTypeFactory, department, review_departments


def sheet_add(permit, number: str, *, version: int = 1, review_round: int = 1) -> PlanSheet:
    content = pdf_bytes()
    sheet = PlanSheet(
        permit=permit,
        sheet=number,
        title=f"Sheet {number}",
        original_name=f"{number}.pdf",
        size_bytes=len(content),
        version=version,
        review_round=review_round,
    )
    sheet.file.save("sheet.pdf", ContentFile(content), save=False)
    sheet.save()
    return sheet


def reviewed_type(*codes: str):
    permit_type = PermitTypeFactory()
    review_departments(permit_type, *codes)
    return permit_type


def submitted_permit(*codes: str, sheets=("A1.0", "A2.0", "S1.0"), **kwargs):
    # A permit fee left to pay once approved, so an approved permit waits for it (with
    # nothing left to pay, approval issues the permit at once).
    kwargs.setdefault("permit_fee_cents", 30000)
    kwargs.setdefault("plan_review_fee_cents", 10000)
    permit = PermitFactory(
        permit_type=reviewed_type(*(codes or ("ZONING", "FIRE"))), submit=True, **kwargs
    )
    for number in sheets:
        sheet_add(permit, number)
    return permit


def reviewer_of(code: str, **kwargs):
    return StaffFactory(roles=[("reviewer", department(code))], **kwargs)


def review_of(permit, code: str, round_: int | None = None) -> PlanReview:
    reviews = PlanReview.objects.filter(
        permit=permit, work_item__department__code=code
    ).select_related("work_item", "work_item__department", "permit", "permit__case")
    if round_ is not None:
        reviews = reviews.filter(work_item__round=round_)
    return reviews.order_by("-work_item__round").first()


def sheet_of(permit, number: str) -> PlanSheet:
    return PlanSheet.objects.filter(permit=permit, sheet=number).order_by("-version").first()


def ask_corrections(permit, code: str, reviewer, *, sheet="A1.0", text="Show the setback."):
    review = review_of(permit, code)
    comment = services.review_comment_add(
        review=review, sheet=sheet_of(permit, sheet), text=text, actor=reviewer
    )
    services.review_decide(review=review, decision=ReviewDecision.CORRECTIONS, actor=reviewer)
    return comment


def approve(permit, code: str, reviewer, *, conditions: str = ""):
    decision = ReviewDecision.CONDITIONS if conditions else ReviewDecision.APPROVED
    return services.review_decide(
        review=review_of(permit, code), decision=decision, conditions=conditions, actor=reviewer
    )
