"""Plan review by several departments at once: rounds of reviews, comments on sheets, the
decisions, the consolidated correction letter and the resubmission that starts the next round.

How a permit's review runs:

1. `review_start` sends a submitted permit's plans for review: the case moves to
   `in_review` and round 1 opens one review (a `cases.work_items.WorkItem` with its
   `PlanReview`) per reviewing department of the permit's type, due by the stage's due date.
2. Reviewers of each department take their review (`review_assign`), comment on sheets
   (`review_comment_add`) and decide (`review_decide`): approved, approved with conditions
   (the conditions go on the permit), or corrections required.
3. When the last review of the round closes, the engine joins the round: every department
   approving moves the case to `approved`; any asking for corrections moves it to
   `corrections_required`, and this module writes the round's one `CorrectionLetter` in the
   same transaction (drawn from every department's comments: `permits.correction_letters`).
   An approval invoices the permit fee in the same transaction
   (`permits.services.issuance.permit_fee_invoice`).
4. The applicant uploads revised sheets (new versions; the old ones stay) and resubmits
   (`review_resubmit`). The next round opens a review for each department that asked for
   corrections. A department that approved keeps its approval and its conditions: its work
   is done, and asking it again would restart a clock the applicant cannot move. Staff who
   judge that a revision touches an approved department's work add its review to the round
   (`review_add`).
5. Comments keep their number across rounds. A reviewer resolves a comment in a later round,
   once the revised sheets answer it; a department may not approve while one of its comments
   is open, and may not ask for corrections without one (the letter must say what to change).

Every write locks the permit's case row first, the lock the case engine takes for moves and
work items, so two reviewers deciding at once are applied one after the other and exactly one
of them joins the round.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases import services as case_services
from cases.actors import actor_role
from cases.events import PARTICIPANTS
from cases.models import Case, StaffRole
from cases.work_items import (
    WorkItem,
    WorkItemOutcome,
    work_item_assign,
    work_item_complete,
    work_item_open,
)
from permits import workflow as wf
from permits.models.reviews import (
    APPROVING,
    CommentStatus,
    CorrectionLetter,
    PlanReview,
    ReviewComment,
    ReviewDecision,
)
from permits.services.issuance import permit_fee_invoice

logger = logging.getLogger(__name__)

# The event recorded on the timeline when a round ends with a correction letter.
CORRECTION_LETTER = wf.CORRECTION_LETTER

# Roles that review plans in their department (a supervisor or an administrator may step in).
REVIEWING_ROLES = frozenset({StaffRole.REVIEWER, StaffRole.SUPERVISOR, StaffRole.ADMINISTRATOR})


class ReviewRefused(Exception):
    """The review change was refused and nothing changed; the message is fit to show the
    person who tried."""


def may_review(user, department) -> bool:
    """Whether `user` reviews plans for `department`: active staff holding the reviewer,
    supervisor or administrator role in it or across the agency (superusers always)."""
    if not permissions.is_active_staff(user):
        return False
    if user.is_superuser:
        return True
    return any(
        role in REVIEWING_ROLES and (held is None or held == department.pk)
        for held, role in permissions.grants(user)
    )


def _require_reviewer(actor, department, case: Case) -> None:
    if not may_review(actor, department):
        raise ReviewRefused(_("Only reviewers of this department can do this."))
    if case.applicant_id is not None and case.applicant_id == actor.pk:
        raise ReviewRefused(_("Nobody reviews their own application."))


def _closed_with_application() -> ReviewRefused:
    return ReviewRefused(
        _("These plans are not in review any more: the application was withdrawn or cancelled.")
    )


def _require_worked(review: PlanReview) -> None:
    """Refuse any work on a review closed with its application (permits.services.cancel)."""
    if review.cancelled:
        raise _closed_with_application()


def _lock_case(case_id: int) -> Case:
    return Case.objects.select_for_update(of=("self",), no_key=True).get(pk=case_id)


def _lock_review(review: PlanReview) -> PlanReview:
    return (
        PlanReview.objects.select_for_update(of=("self",), no_key=True)
        .select_related("work_item", "work_item__department", "permit")
        .get(pk=review.pk)
    )


def _departments_of_type(permit) -> list:
    return [
        row.department for row in permit.permit_type.review_departments.select_related("department")
    ]


def _open_reviews(*, permit, case: Case, departments) -> list[PlanReview]:
    """Open one review per department in a new round (the case is locked, in review)."""
    reviews = []
    for department in departments:
        item = work_item_open(
            case=case,
            department=department,
            title=f"Plan review: {department.name}",
            actor=None,
            due_date=case.stage_due_date,
        )
        reviews.append(PlanReview.objects.create(work_item=item, permit=permit))
    _tell_reviewers(case=case, reviews=reviews)
    if reviews:
        logger.info(
            "Permit %s: round %s of plan review opened for %s departments",
            permit.pk,
            reviews[0].work_item.round,
            len(reviews),
        )
    return reviews


def _tell_reviewers(*, case: Case, reviews: list[PlanReview]) -> None:
    """Tell each department's reviewers that its review is waiting (e-mail and in-app, by
    their preferences; once per review and person)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from django.utils import formats, translation

    from notifications.models import NotificationChannel
    from notifications.services import notification_send

    for review in reviews:
        item = review.work_item
        link = settings.SITE_URL + reverse("admin:permits_planreview_change", args=[review.pk])
        people = (
            get_user_model()
            .objects.filter(
                is_active=True,
                is_staff=True,
                staff_memberships__department_id=item.department_id,
                staff_memberships__role=StaffRole.REVIEWER,
            )
            .distinct()
            .order_by("pk")
        )
        for person in people:
            with translation.override(person.preferred_language or settings.LANGUAGE_CODE):
                due = formats.date_format(item.due_date, "DATE_FORMAT") if item.due_date else ""
            notification_send(
                template_key="permits/review_opened",
                context={
                    "reference": case.reference,
                    "department": item.department.name,
                    "round": item.round,
                    "due_date": due,
                    "review_url": link,
                },
                dedupe_key=f"permits:review:{review.pk}:reviewer:{person.pk}",
                user=person,
                channels=[NotificationChannel.EMAIL, NotificationChannel.IN_APP],
                link_url=link,
            )


def review_start(*, permit, actor) -> list[PlanReview]:
    """Send a submitted permit's plans for review: move its case to `in_review` and open
    round 1, one review per reviewing department of its type.

    `actor` is the member of staff sending the plans, or None for the system (the permit
    was submitted by paying its fee). A type without reviewing departments needs no review:
    its permit is approved at once. Raises ReviewRefused if the permit is not waiting to be
    sent for review, and the engine's TransitionForbidden if `actor` may not move it.
    """
    with transaction.atomic():
        case = _lock_case(permit.case_id)
        if case.status != wf.SUBMITTED:
            raise ReviewRefused(_("These plans are not waiting to be sent for review."))
        case_services.transition(case=case, to_status=wf.IN_REVIEW, actor=actor)
        departments = _departments_of_type(permit)
        if not departments:
            case_services.transition(case=case, to_status=wf.APPROVED, actor=None)
            permit_fee_invoice(permit=permit)
            reviews = []
        else:
            reviews = _open_reviews(permit=permit, case=case, departments=departments)
    _refresh_case(permit, case)
    return reviews


def review_add(*, permit, department, actor) -> PlanReview:
    """Add `department`'s review to the permit's current round (a revision that touches the
    work of a department that had approved, or a department the type does not list).

    `actor` assigns work on the case (a clerk or a supervisor). Raises ReviewRefused if the
    plans are not in review or the department already reviews in this round, and the
    engine's ActionForbidden for an actor who may not assign work.
    """
    with transaction.atomic():
        case = _lock_case(permit.case_id)
        if case.status != wf.IN_REVIEW:
            raise ReviewRefused(_("These plans are not in review."))
        current = WorkItem.objects.filter(case=case).aggregate(latest=Max("round"))["latest"]
        if WorkItem.objects.filter(case=case, round=current, department=department).exists():
            raise ReviewRefused(_("This department already reviews these plans in this round."))
        item = work_item_open(
            case=case,
            department=department,
            title=f"Plan review: {department.name}",
            actor=actor,
            due_date=case.stage_due_date,
        )
        return PlanReview.objects.create(work_item=item, permit=permit)


def review_assign(*, review: PlanReview, assignee, actor) -> PlanReview:
    """Give `review` to `assignee`, a reviewer of its department, or to nobody.

    A reviewer takes an unassigned review themselves; anybody else who assigns is staff who
    assigns work in the department (a clerk, a supervisor). Raises ReviewRefused (decided
    already, an assignee who does not review for the department, a reviewer taking a review
    someone else holds) and the engine's ActionForbidden.
    """
    item = review.work_item
    department = item.department
    if assignee is not None and not may_review(assignee, department):
        raise ReviewRefused(_("Reviews can only be given to reviewers of their department."))
    taking = assignee is not None and actor is not None and assignee.pk == actor.pk
    with transaction.atomic():
        _lock_case(review.permit.case_id)
        locked = _lock_review(review)
        _require_worked(locked)
        if not locked.is_open:
            raise ReviewRefused(_("This review is decided already."))
        if taking and not permissions.can(actor, permissions.ASSIGN, department):
            if locked.work_item.assignee_id not in (None, actor.pk):
                raise ReviewRefused(_("Another reviewer holds this review."))
            _require_reviewer(actor, department, locked.permit.case)
            work_item_assign(item=locked.work_item, assignee=assignee, actor=None)
        else:
            work_item_assign(item=locked.work_item, assignee=assignee, actor=actor)
    review.work_item.assignee = assignee
    return review


def review_comment_add(*, review: PlanReview, sheet, text: str, actor) -> ReviewComment:
    """Add a comment on `sheet` to the open `review`, numbered next on the permit.

    Raises ReviewRefused (review decided, a sheet of another permit, empty text, an actor
    who does not review for the department).
    """
    text = (text or "").strip()
    if not text:
        raise ReviewRefused(_("Write the comment."))
    if sheet.permit_id != review.permit_id:
        raise ReviewRefused(_("Choose a sheet of this permit's plans."))
    with transaction.atomic():
        case = _lock_case(review.permit.case_id)
        locked = _lock_review(review)
        _require_reviewer(actor, locked.work_item.department, case)
        _require_worked(locked)
        if not locked.is_open:
            raise ReviewRefused(_("This review is decided already."))
        last = ReviewComment.objects.filter(permit_id=locked.permit_id).aggregate(
            last=Max("number")
        )["last"]
        comment = ReviewComment.objects.create(
            permit_id=locked.permit_id,
            number=(last or 0) + 1,
            sheet=sheet,
            department=locked.work_item.department,
            review=locked,
            text=text,
            round_raised=locked.work_item.round,
            author=actor,
        )
    return comment


def review_comment_resolve(*, comment: ReviewComment, actor) -> ReviewComment:
    """Mark `comment` resolved: the revised sheets answer it.

    Resolved in the round its department is reviewing now, which must be a later round than
    the one it was raised in. Raises ReviewRefused (resolved already, no open review of its
    department, the round it was raised in, an actor who does not review for it).
    """
    with transaction.atomic():
        case = _lock_case(comment.permit.case_id)
        locked = ReviewComment.objects.select_for_update(no_key=True).get(pk=comment.pk)
        _require_reviewer(actor, locked.department, case)
        if not locked.is_open:
            raise ReviewRefused(_("This comment is resolved already."))
        if case.status in (wf.WITHDRAWN, wf.CANCELLED):
            raise _closed_with_application()
        current = (
            PlanReview.objects.filter(
                permit_id=locked.permit_id,
                work_item__department_id=locked.department_id,
                decided_at__isnull=True,
                work_item__closed_at__isnull=True,
            )
            .select_related("work_item")
            .first()
        )
        if current is None:
            raise ReviewRefused(
                _("A comment is resolved while its department reviews the revised sheets.")
            )
        if current.work_item.round <= locked.round_raised:
            raise ReviewRefused(
                _("A comment is resolved in a later round, once revised sheets answer it.")
            )
        locked.status = CommentStatus.RESOLVED
        locked.round_resolved = current.work_item.round
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor
        locked.save(update_fields=["status", "round_resolved", "resolved_at", "resolved_by"])
    for field in ("status", "round_resolved", "resolved_at", "resolved_by"):
        setattr(comment, field, getattr(locked, field))
    return comment


def review_decide(
    *, review: PlanReview, decision: str, actor, conditions: str = "", note: str = ""
) -> PlanReview:
    """Record the department's decision on `review` and close its work item; if it was the
    last open review of the round, the engine joins the round (approved, or corrections
    required) and, for corrections, the round's correction letter is written.

    `note` is for staff. An unassigned review becomes the deciding reviewer's. Raises
    ReviewRefused: decided already; approving while a comment of the department is open;
    asking for corrections without an open comment; conditions missing for an approval with
    conditions, or given with another decision; an actor who does not review for it.
    """
    if decision not in ReviewDecision.values:
        raise ReviewRefused(_("Choose a decision."))
    conditions = (conditions or "").strip()
    if decision == ReviewDecision.CONDITIONS and not conditions:
        raise ReviewRefused(_("Write the conditions of the approval."))
    if decision != ReviewDecision.CONDITIONS and conditions:
        raise ReviewRefused(_("Conditions go with an approval with conditions only."))
    with transaction.atomic():
        case = _lock_case(review.permit.case_id)
        locked = _lock_review(review)
        item = locked.work_item
        _require_reviewer(actor, item.department, case)
        _require_worked(locked)
        if not locked.is_open:
            raise ReviewRefused(_("This review is decided already."))
        if case.status != wf.IN_REVIEW:
            # Withdrawn or cancelled while the review was open (permits.services.cancel).
            raise ReviewRefused(_("These plans are not in review any more."))
        open_comments = ReviewComment.objects.filter(
            permit_id=locked.permit_id,
            department_id=item.department_id,
            status=CommentStatus.OPEN,
        ).count()
        if decision in APPROVING and open_comments:
            raise ReviewRefused(
                _(
                    "Resolve your department's open comments before approving, or ask for "
                    "corrections."
                )
            )
        if decision == ReviewDecision.CORRECTIONS and not open_comments:
            raise ReviewRefused(
                _(
                    "Comment on the sheets to change before asking for corrections: the letter "
                    "tells the applicant what to change."
                )
            )
        if item.assignee_id is None:
            work_item_assign(item=item, assignee=actor, actor=None)
        locked.decision = decision
        locked.conditions = conditions
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save(update_fields=["decision", "conditions", "decided_at", "decided_by"])
        outcome = WorkItemOutcome.APPROVED if decision in APPROVING else WorkItemOutcome.REJECTED
        work_item_complete(item=item, outcome=outcome, actor=actor, note=note)
        case.refresh_from_db(fields=["status"])
        if case.status == wf.CORRECTIONS_REQUIRED:
            _letter_write(permit=locked.permit, case=case, round_=item.round)
        elif case.status == wf.APPROVED:
            # The last review approved: the permit fee is invoiced in this transaction, so
            # an approved permit is never without its invoice (issuance.permit_fee_invoice).
            permit_fee_invoice(permit=locked.permit)
    for field in ("decision", "conditions", "decided_at", "decided_by"):
        setattr(review, field, getattr(locked, field))
    _refresh_case(review.permit, case)
    return review


def _letter_write(*, permit, case: Case, round_: int) -> CorrectionLetter:
    """Write the round's correction letter and put it on the timeline (the case is locked)."""
    letter = CorrectionLetter.objects.create(permit=permit, round=round_)
    open_count = ReviewComment.objects.filter(permit=permit, status=CommentStatus.OPEN).count()
    case_services.case_record_event(
        case=case,
        kind=CORRECTION_LETTER,
        audience=PARTICIPANTS,
        payload={"round": round_, "comments": open_count},
    )
    logger.info("Permit %s: correction letter for round %s", permit.pk, round_)
    return letter


def _latest_decisions(permit) -> dict[int, PlanReview]:
    """Each department's latest review of `permit`, by department id."""
    latest: dict[int, PlanReview] = {}
    for review in (
        PlanReview.objects.filter(permit=permit)
        .select_related("work_item__department")
        .order_by("work_item__round", "pk")
    ):
        latest[review.work_item.department_id] = review
    return latest


def revised_since_letter(*, permit) -> bool:
    """Whether a sheet was uploaded for the next round since the last correction letter."""
    from permits.models import PlanSheet

    letter = permit.correction_letters.order_by("-round").first()
    if letter is None:
        return False
    return PlanSheet.objects.filter(
        permit=permit, review_round__gt=letter.round, removed_at__isnull=True
    ).exists()


def plan_sheet_revise(*, permit, sheet: str, upload, actor, title: str = ""):
    """Upload a revised sheet (the next version of sheet number `sheet`) or a new sheet, for
    the next review round, while the permit waits for corrections. Earlier versions stay.

    `actor` is the applicant (or staff acting for them). The file passes the same check as
    the plans sent with the application (`permits.plan_files.plan_pdf_check`, streamed).
    Raises ReviewRefused (not waiting for corrections, no sheet number, someone else) and
    PlanRejected (not a PDF, too large, unreadable or unsafe), storing nothing.
    """
    from cases.documents import clean_original_name
    from permits.models import PlanSheet
    from permits.plan_files import plan_pdf_check

    sheet = (sheet or "").strip().upper()
    if not sheet:
        raise ReviewRefused(_("Give the sheet number, as printed in the title block."))
    if actor_role(case=permit.case, actor=actor, action=permissions.MOVE) is None:
        raise ReviewRefused(_("Only the applicant can upload revised sheets."))
    # Checked before taking any lock: a large PDF takes a moment to parse.
    checked = plan_pdf_check(upload)
    with transaction.atomic():
        case = _lock_case(permit.case_id)
        if case.status != wf.CORRECTIONS_REQUIRED:
            raise ReviewRefused(_("Revised sheets are uploaded after a correction letter."))
        previous = PlanSheet.objects.filter(permit=permit, sheet=sheet).order_by("-version").first()
        current = WorkItem.objects.filter(case=case).aggregate(latest=Max("round"))["latest"]
        revision = PlanSheet(
            permit=permit,
            sheet=sheet,
            title=(title or "").strip() or (previous.title if previous else ""),
            original_name=clean_original_name(getattr(upload, "name", "") or "")[:200],
            size_bytes=checked.size,
            page_count=checked.pages,
            version=(previous.version + 1) if previous else 1,
            review_round=(current or 0) + 1,
            uploaded_by=actor,
        )
        revision.file.save(f"{revision.sheet_slug}.pdf", checked.file, save=False)
        try:
            revision.save()
        except BaseException:
            revision.file.delete(save=False)
            raise
    return revision


def review_resubmit(*, permit, actor) -> list[PlanReview]:
    """Send revised plans back for review: the case returns to `in_review` and the next round
    opens a review for each department that asked for corrections.

    `actor` is the applicant (or staff acting for them). Raises ReviewRefused if the plans
    are not waiting for corrections or no sheet was revised since the letter, and the
    engine's TransitionForbidden for anybody else.
    """
    with transaction.atomic():
        case = _lock_case(permit.case_id)
        if case.status != wf.CORRECTIONS_REQUIRED:
            raise ReviewRefused(_("These plans are not waiting for corrections."))
        if actor_role(case=case, actor=actor, action=permissions.MOVE) is None:
            raise ReviewRefused(_("Only the applicant can send revised plans."))
        if not revised_since_letter(permit=permit):
            raise ReviewRefused(
                _("Upload at least one revised sheet before sending your plans back.")
            )
        case_services.transition(case=case, to_status=wf.IN_REVIEW, actor=actor)
        departments = [
            review.work_item.department
            for review in _latest_decisions(permit).values()
            if review.decision == ReviewDecision.CORRECTIONS
        ]
        reviews = _open_reviews(permit=permit, case=case, departments=departments)
    _refresh_case(permit, case)
    return reviews


def _refresh_case(permit, case: Case) -> None:
    """Bring the permit's loaded case up to date with the locked copy's moves."""
    loaded = permit.case
    if loaded is not case:
        loaded.refresh_from_db()
