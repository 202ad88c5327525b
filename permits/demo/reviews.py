"""Demo plan reviews for `seed_demo`: a sent permit's plans taken to a stage of review with
the real services (rounds, comments on sheets, decisions, correction letters, a revised
sheet), so the review pages, the letters and the public status show something real.

Only for demo data: `reviewer` is one member of staff who may review for every department
(the demo administrator).
"""

from __future__ import annotations

import functools
import io

from django.core.files.base import ContentFile

from permits import workflow as wf
from permits.models import PlanSheet
from permits.models.reviews import ReviewDecision
from permits.selectors_reviews import reviews_of
from permits.services import reviews as services

STAGES = ("in_review", "corrections_required", "approved")

# Comments a reviewer of each kind of department might write, by department code.
COMMENTS = {
    "ZONING": "Show the required 5 ft side-yard setback on the site plan, dimensioned from "
    "the property line.",
    "FIRE": "Mark the smoke and carbon monoxide alarms on the floor plan, one in each "
    "sleeping room.",
    "BUILDING": "Give the header sizes over the new window openings on the framing plan.",
    "PUBLIC_WORKS": "Show how roof drainage reaches the street without crossing the "
    "neighbouring lot.",
    "HEALTH": "Show the distance from the new addition to the septic field.",
}
CONDITIONS = "Smoke and carbon monoxide alarms are tested at the final inspection."


@functools.cache
def pdf_page() -> bytes:
    """A one-page blank PDF (a tabloid sheet), for demo plans and documents (drawn once)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=1224, height=792)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _first_sheet(permit) -> PlanSheet:
    sheet = PlanSheet.objects.filter(permit=permit, removed_at__isnull=True).order_by("sheet")
    if sheet.exists():
        return sheet.first()
    content = pdf_page()
    made = PlanSheet(
        permit=permit,
        sheet="A1.0",
        title="Site plan",
        original_name="site-plan.pdf",
        size_bytes=len(content),
    )
    made.file.save("sheet.pdf", ContentFile(content), save=False)
    made.save()
    return made


def review_demo(*, permit, stage: str, reviewer) -> None:
    """Take `permit` (sent: round 1 not yet open, or open and untouched) to `stage` of plan
    review:

    - ``in_review``: round 1 open, the first department has commented;
    - ``corrections_required``: the first department asked for corrections, the others
      approved (the second with conditions), so the correction letter of round 1 is out;
    - ``approved``: as above, then a revised sheet, round 2 resolves the comment and approves.
    """
    if stage not in STAGES:
        raise ValueError(f"Unknown demo review stage {stage!r}; use one of {STAGES}.")
    if permit.case.status == wf.SUBMITTED:
        reviews = services.review_start(permit=permit, actor=None)
    elif permit.case.status == wf.IN_REVIEW and not permit.review_comments.exists():
        # Paying the fee opened round 1 already (permits.services.apply).
        reviews = [review for review in reviews_of(permit=permit) if review.is_open]
    else:
        return
    if not reviews:
        return
    sheet = _first_sheet(permit)
    first = reviews[0]
    code = first.work_item.department.code
    comment = services.review_comment_add(
        review=first,
        sheet=sheet,
        text=COMMENTS.get(code, COMMENTS["BUILDING"]),
        actor=reviewer,
    )
    if stage == "in_review":
        return
    services.review_decide(review=first, decision=ReviewDecision.CORRECTIONS, actor=reviewer)
    for index, review in enumerate(reviews[1:]):
        services.review_decide(
            review=review,
            decision=ReviewDecision.CONDITIONS if index == 0 else ReviewDecision.APPROVED,
            conditions=CONDITIONS if index == 0 else "",
            actor=reviewer,
        )
    if stage == "corrections_required":
        return
    services.plan_sheet_revise(
        permit=permit,
        sheet=sheet.sheet,
        upload=ContentFile(pdf_page(), name=f"{sheet.sheet_slug}-revised.pdf"),
        actor=permit.case.applicant,
    )
    services.review_resubmit(permit=permit, actor=permit.case.applicant)
    services.review_comment_resolve(comment=comment, actor=reviewer)
    current = [review for review in reviews_of(permit=permit) if review.is_open]
    for review in current:
        services.review_decide(review=review, decision=ReviewDecision.APPROVED, actor=reviewer)
