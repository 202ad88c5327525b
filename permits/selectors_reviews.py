"""Reads of plan review: where each department stands, what is still open and with whom,
the sheets a reviewer reads (and which changed), a round's correction letter, the conditions
the permit carries, and each reviewer's queue.

Every read is a fixed number of queries whatever the number of departments, sheets or
comments. What the applicant reads names departments and the reviewer's role, never a member
of staff: the case page speaks for the agency, not for a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cases import permissions
from cases.models import Department
from permits.models import Permit, PlanSheet
from permits.models.reviews import (
    CommentStatus,
    CorrectionLetter,
    PlanReview,
    ReviewComment,
    ReviewDecision,
)
from permits.services.reviews import REVIEWING_ROLES


# Where one department stands, in the applicant's words.
class Standing:
    NOT_STARTED = "not_started"
    REVIEWING = "reviewing"
    CORRECTIONS = "corrections"
    APPROVED = "approved"
    CONDITIONS = "conditions"
    # Closed undecided: the application was withdrawn or cancelled.
    STOPPED = "stopped"


STANDING_LABELS = {
    Standing.NOT_STARTED: _("Not started"),
    Standing.REVIEWING: _("Reviewing your plans"),
    Standing.CORRECTIONS: _("Waiting for your revised sheets"),
    Standing.APPROVED: _("Approved"),
    Standing.CONDITIONS: _("Approved with conditions"),
    Standing.STOPPED: _("Review stopped"),
}


# The same, as the back office names it.
STANDING_STAFF_LABELS = {
    Standing.NOT_STARTED: _("Not started"),
    Standing.REVIEWING: _("Open"),
    Standing.CORRECTIONS: _("Corrections required"),
    Standing.APPROVED: _("Approved"),
    Standing.CONDITIONS: _("Approved with conditions"),
    Standing.STOPPED: _("Cancelled"),
}


@dataclass
class DepartmentStanding:
    """One department's part in a permit's review, as the applicant reads it."""

    department: Department
    standing: str
    round: int | None = None
    due_date: object = None
    has_reviewer: bool = False
    conditions: str = ""
    open_comments: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(STANDING_LABELS[self.standing])

    @property
    def staff_label(self) -> str:
        return str(STANDING_STAFF_LABELS[self.standing])

    @property
    def with_applicant(self) -> bool:
        return self.standing == Standing.CORRECTIONS

    @property
    def is_done(self) -> bool:
        return self.standing in (Standing.APPROVED, Standing.CONDITIONS)


def permit_for_resident(*, user, reference: str) -> Permit:
    """The permit on the applicant's own case `reference` (404 for anybody else's)."""
    permit = (
        Permit.objects.select_related("case", "permit_type")
        .filter(case__reference=reference, case__applicant_id=user.pk)
        .first()
    )
    if permit is None:
        raise Http404
    return permit


def reviews_of(*, permit: Permit) -> list[PlanReview]:
    """Every review of `permit`, by round, with its work item, department and reviewer."""
    return list(
        PlanReview.objects.filter(permit=permit)
        .select_related("work_item", "work_item__department", "work_item__assignee")
        .order_by("work_item__round", "work_item__department__name", "pk")
    )


def latest_reviews(reviews: list[PlanReview]) -> dict[int, PlanReview]:
    """Each department's latest review among `reviews` (ordered by round), by department id."""
    latest: dict[int, PlanReview] = {}
    for review in reviews:
        latest[review.work_item.department_id] = review
    return latest


def current_round(reviews: list[PlanReview]) -> int:
    return max((review.work_item.round for review in reviews), default=0)


def open_comments_of(*, permit: Permit) -> list[ReviewComment]:
    return list(
        ReviewComment.objects.filter(permit=permit, status=CommentStatus.OPEN)
        .select_related("sheet", "department")
        .order_by("number")
    )


def review_standings(*, permit: Permit) -> list[DepartmentStanding]:
    """Where every reviewing department stands, in the type's order (then any department
    added to a round), each with its open comments: what is still open and with whom."""
    reviews = reviews_of(permit=permit)
    latest = latest_reviews(reviews)
    comments_by_department: dict[int, list[ReviewComment]] = {}
    for comment in open_comments_of(permit=permit):
        comments_by_department.setdefault(comment.department_id, []).append(comment)
    departments = [
        row.department for row in permit.permit_type.review_departments.select_related("department")
    ]
    listed = {department.pk for department in departments}
    departments += [
        review.work_item.department
        for review in latest.values()
        if review.work_item.department_id not in listed
    ]
    standings = []
    for department in departments:
        review = latest.get(department.pk)
        standing = DepartmentStanding(
            department=department,
            standing=Standing.NOT_STARTED,
            open_comments=comments_by_department.get(department.pk, []),
        )
        if review is not None:
            standing.round = review.work_item.round
            standing.due_date = review.work_item.due_date
            standing.has_reviewer = review.work_item.assignee_id is not None
            standing.conditions = review.conditions
            standing.standing = (
                Standing.STOPPED
                if review.cancelled
                else {
                    "": Standing.REVIEWING,
                    ReviewDecision.APPROVED: Standing.APPROVED,
                    ReviewDecision.CONDITIONS: Standing.CONDITIONS,
                    ReviewDecision.CORRECTIONS: Standing.CORRECTIONS,
                }[review.decision]
            )
        standings.append(standing)
    return standings


def permit_conditions(*, permit: Permit) -> list[tuple[Department, str]]:
    """The conditions the permit carries: each department's latest approval with conditions
    (a department that approved keeps its decision across later rounds)."""
    latest = latest_reviews(
        list(
            PlanReview.objects.filter(permit=permit)
            .exclude(decision="")
            .select_related("work_item", "work_item__department")
            .order_by("work_item__round", "pk")
        )
    )
    return [
        (review.work_item.department, review.conditions)
        for review in sorted(latest.values(), key=lambda r: r.work_item.department.name)
        if review.decision == ReviewDecision.CONDITIONS
    ]


@dataclass
class SheetForReview:
    """A plan sheet as the reviewer reads it: its current version, the earlier ones, and
    whether it changed for this round."""

    current: PlanSheet
    earlier: list[PlanSheet]
    changed: bool
    new: bool


def sheets_for_review(*, permit: Permit, round_: int) -> list[SheetForReview]:
    """The permit's sheets as they stand, by sheet number, each marked changed (a version
    uploaded for `round_`, after the first) or new in this round."""
    by_sheet: dict[str, list[PlanSheet]] = {}
    for version in PlanSheet.objects.filter(permit=permit, removed_at__isnull=True).order_by(
        "sheet", "version"
    ):
        by_sheet.setdefault(version.sheet, []).append(version)
    sheets = []
    for versions in by_sheet.values():
        current = versions[-1]
        fresh = round_ > 1 and current.review_round == round_
        sheets.append(
            SheetForReview(
                current=current,
                earlier=versions[:-1][::-1],
                changed=fresh and len(versions) > 1,
                new=fresh and len(versions) == 1,
            )
        )
    return sheets


def review_for_staff(*, user, pk) -> PlanReview:
    """One review, if `user` reviews for its department or may see its case (404 else)."""
    review = (
        PlanReview.objects.select_related(
            "permit",
            "permit__case",
            "permit__permit_type",
            "work_item",
            "work_item__department",
            "work_item__assignee",
        )
        .filter(pk=pk)
        .filter(reviews_scope(user))
        .first()
    )
    if review is None:
        raise Http404
    return review


def reviews_scope(user) -> Q:
    """A condition on PlanReview: those in departments where `user` reviews plans, plus those
    whose case `user` may see (a clerk of the permit's department)."""
    if not permissions.is_active_staff(user):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    everywhere = False
    departments = set()
    for department, role in permissions.grants(user):
        if role in REVIEWING_ROLES:
            if department is None:
                everywhere = True
            else:
                departments.add(department)
    if everywhere:
        return Q()
    return Q(work_item__department__in=sorted(departments)) | permissions.case_scope(
        user, prefix="permit__case__"
    )


def review_queue(*, user) -> QuerySet[PlanReview]:
    """The reviews `user` reaches, open ones first by due date."""
    return (
        PlanReview.objects.filter(reviews_scope(user))
        .select_related("permit__case", "work_item__department", "work_item__assignee")
        .order_by("decided_at", "work_item__due_date", "pk")
    )


def reviewers_of(*, department: Department):
    """The active members of staff who review plans for `department` (its reviewers,
    supervisors and administrators, and those with the role across the agency)."""
    from django.contrib.auth import get_user_model

    from cases.models import StaffMembership

    holders = StaffMembership.objects.filter(
        Q(department__isnull=True) | Q(department=department),
        role__in=sorted(REVIEWING_ROLES),
    ).values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, pk__in=holders)
        .order_by("full_name", "pk")
    )


def comments_for_review(*, permit: Permit) -> list[ReviewComment]:
    """Every comment on `permit`, open and resolved, by number, with its sheet and author."""
    return list(
        ReviewComment.objects.filter(permit=permit)
        .select_related("sheet", "department", "author", "resolved_by")
        .order_by("number")
    )


@dataclass
class LetterSection:
    """One department's part of a correction letter."""

    department: Department
    decision: str
    decision_label: str
    conditions: str
    open_comments: list
    resolved_comments: list


def letter_sections(*, letter: CorrectionLetter) -> list[LetterSection]:
    """Every department's part of `letter`, as it stood at the end of its round: the latest
    decision of each department up to that round, the comments still open then and those
    resolved in it. Drawn from the rows, so the letter reads the same whenever it is opened."""
    round_ = letter.round
    latest = latest_reviews(
        list(
            PlanReview.objects.filter(permit_id=letter.permit_id, work_item__round__lte=round_)
            .select_related("work_item", "work_item__department")
            .order_by("work_item__round", "pk")
        )
    )
    comments = (
        ReviewComment.objects.filter(permit_id=letter.permit_id, round_raised__lte=round_)
        .filter(Q(round_resolved__isnull=True) | Q(round_resolved__gte=round_))
        .select_related("sheet")
        .order_by("number")
    )
    open_by: dict[int, list] = {}
    resolved_by: dict[int, list] = {}
    for comment in comments:
        still_open = comment.round_resolved is None or comment.round_resolved > round_
        target = open_by if still_open else resolved_by
        target.setdefault(comment.department_id, []).append(comment)
    sections = [
        LetterSection(
            department=review.work_item.department,
            decision=review.decision,
            decision_label=str(ReviewDecision(review.decision).label) if review.decision else "",
            conditions=review.conditions,
            open_comments=open_by.get(review.work_item.department_id, []),
            resolved_comments=resolved_by.get(review.work_item.department_id, []),
        )
        for review in latest.values()
    ]
    # Departments asking for corrections first, then the rest, each by name.
    sections.sort(key=lambda s: (s.decision != ReviewDecision.CORRECTIONS, s.department.name))
    return sections


def letters_of(*, permit: Permit) -> list[CorrectionLetter]:
    return list(CorrectionLetter.objects.filter(permit=permit).order_by("round"))


def letter_of(*, permit: Permit, round_: int) -> CorrectionLetter:
    letter = CorrectionLetter.objects.filter(permit=permit, round=round_).first()
    if letter is None:
        raise Http404
    return letter
