"""Plan review by several departments (permits/services/reviews.py): rounds of reviews, one
per department, comments with stable numbers, the decisions and the engine's join, the one
correction letter per round, revised sheets and the next round."""

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from cases.exceptions import TransitionForbidden
from cases.models import CaseEvent
from cases.work_items import WorkItem, WorkItemOutcome
from notifications.models import Notification
from permits import workflow as wf
from permits.exceptions import PlanRejected
from permits.models.reviews import (
    CommentStatus,
    CorrectionLetter,
    PlanReview,
    ReviewComment,
    ReviewDecision,
)
from permits.selectors_reviews import (
    Standing,
    letter_sections,
    permit_conditions,
    review_standings,
    sheets_for_review,
)
from permits.services import reviews as services
from permits.services.reviews import ReviewRefused
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.factories import PNG_BYTES, pdf_bytes
from tests.concurrency import run_together
from tests.permits.factories import PermitFactory, department
from tests.permits.reviews import (
    approve,
    ask_corrections,
    review_of,
    reviewer_of,
    sheet_add,
    sheet_of,
    submitted_permit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    return StaffFactory(roles=[("clerk", department("BUILDING"))])


@pytest.fixture
def zoning():
    return reviewer_of("ZONING")


@pytest.fixture
def fire():
    return reviewer_of("FIRE")


@pytest.fixture
def permit(clerk):
    permit = submitted_permit("ZONING", "FIRE")
    services.review_start(permit=permit, actor=clerk)
    return permit


def _upload(name="A1.0-rev.pdf", content=None):
    return ContentFile(content or pdf_bytes(pages=2), name=name)


def _corrections_round_one(permit, zoning, fire):
    """Zoning asks for corrections on A1.0, fire approves with conditions: round 1 ends."""
    comment = ask_corrections(permit, "ZONING", zoning, text="Show the 5 ft side setback.")
    approve(permit, "FIRE", fire, conditions="Smoke alarms in every bedroom.")
    permit.case.refresh_from_db()
    return comment


def _resubmit(permit, sheets=("A1.0",)):
    for number in sheets:
        services.plan_sheet_revise(
            permit=permit, sheet=number, upload=_upload(), actor=permit.case.applicant
        )
    return services.review_resubmit(permit=permit, actor=permit.case.applicant)


# --- Starting the review ----------------------------------------------------------------


def test_sending_plans_opens_round_one_with_one_review_per_department(clerk):
    # given
    permit = submitted_permit("ZONING", "FIRE")

    # when
    reviews = services.review_start(permit=permit, actor=clerk)

    # then
    permit.case.refresh_from_db()
    assert permit.case.status == wf.IN_REVIEW
    assert [r.work_item.department.code for r in reviews] == ["ZONING", "FIRE"]
    assert {r.work_item.round for r in reviews} == {1}
    assert {r.work_item.due_date for r in reviews} == {permit.case.stage_due_date}
    assert permit.case.stage_due_date is not None
    assert all(r.is_open and r.work_item.assignee is None for r in reviews)


def test_the_system_sends_plans_for_review_too():
    permit = submitted_permit("ZONING")

    services.review_start(permit=permit, actor=None)

    assert WorkItem.objects.filter(case=permit.case, round=1).count() == 1


def test_a_type_without_reviewing_departments_is_approved_at_once(clerk):
    permit = PermitFactory(submit=True, permit_fee_cents=30000, plan_review_fee_cents=10000)

    assert services.review_start(permit=permit, actor=clerk) == []

    permit.case.refresh_from_db()
    assert permit.case.status == wf.APPROVED
    assert permit.issuance.invoice.total_cents == 20000


def test_plans_not_waiting_for_review_are_not_sent_again(permit, clerk):
    with pytest.raises(ReviewRefused):
        services.review_start(permit=permit, actor=clerk)
    assert WorkItem.objects.filter(case=permit.case).count() == 2


def test_a_draft_is_not_sent_for_review(clerk):
    permit = PermitFactory(permit_type=submitted_permit("ZONING").permit_type)

    with pytest.raises(ReviewRefused):
        services.review_start(permit=permit, actor=clerk)
    assert not WorkItem.objects.filter(case=permit.case).exists()


def test_a_resident_cannot_send_plans_for_review():
    permit = submitted_permit("ZONING")

    with pytest.raises(TransitionForbidden):
        services.review_start(permit=permit, actor=permit.case.applicant)
    permit.case.refresh_from_db()
    assert permit.case.status == wf.SUBMITTED
    assert not WorkItem.objects.filter(case=permit.case).exists()


# --- Taking and assigning ---------------------------------------------------------------


def test_a_reviewer_takes_an_unassigned_review_of_their_department(permit, zoning):
    services.review_assign(review=review_of(permit, "ZONING"), assignee=zoning, actor=zoning)

    assert review_of(permit, "ZONING").work_item.assignee == zoning


def test_a_reviewer_cannot_take_another_departments_review(permit, fire):
    with pytest.raises(ReviewRefused):
        services.review_assign(review=review_of(permit, "ZONING"), assignee=fire, actor=fire)
    assert review_of(permit, "ZONING").work_item.assignee is None


def test_a_reviewer_cannot_take_a_review_another_reviewer_holds(permit, zoning):
    colleague = reviewer_of("ZONING")
    services.review_assign(review=review_of(permit, "ZONING"), assignee=zoning, actor=zoning)

    with pytest.raises(ReviewRefused):
        services.review_assign(
            review=review_of(permit, "ZONING"), assignee=colleague, actor=colleague
        )
    assert review_of(permit, "ZONING").work_item.assignee == zoning


def test_a_clerk_gives_a_review_to_a_reviewer_of_its_department_only(permit, clerk, zoning):
    zoning_clerk = StaffFactory(roles=[("clerk", department("ZONING"))])
    services.review_assign(review=review_of(permit, "ZONING"), assignee=zoning, actor=zoning_clerk)
    assert review_of(permit, "ZONING").work_item.assignee == zoning

    with pytest.raises(ReviewRefused):
        services.review_assign(
            review=review_of(permit, "ZONING"), assignee=zoning_clerk, actor=zoning_clerk
        )
    assert review_of(permit, "ZONING").work_item.assignee == zoning


# --- Comments ---------------------------------------------------------------------------


def test_comments_are_numbered_once_per_permit_across_departments(permit, zoning, fire):
    first = services.review_comment_add(
        review=review_of(permit, "ZONING"),
        sheet=sheet_of(permit, "A1.0"),
        text="Setback.",
        actor=zoning,
    )
    second = services.review_comment_add(
        review=review_of(permit, "FIRE"),
        sheet=sheet_of(permit, "A2.0"),
        text="Exits.",
        actor=fire,
    )
    third = services.review_comment_add(
        review=review_of(permit, "ZONING"),
        sheet=sheet_of(permit, "S1.0"),
        text="Height.",
        actor=zoning,
    )

    assert [first.number, second.number, third.number] == [1, 2, 3]
    assert (second.department.code, second.round_raised, second.status) == (
        "FIRE",
        1,
        CommentStatus.OPEN,
    )


@pytest.mark.parametrize(
    "case",
    ["other_department", "empty_text", "other_permit_sheet", "resident", "own_application"],
)
def test_a_comment_is_refused_and_nothing_is_written(permit, zoning, fire, case):
    review, sheet, text, actor = review_of(permit, "ZONING"), sheet_of(permit, "A1.0"), "X", zoning
    if case == "other_department":
        actor = fire
    elif case == "empty_text":
        text = "   "
    elif case == "other_permit_sheet":
        sheet = sheet_of(submitted_permit("ZONING"), "A1.0")
    elif case == "resident":
        actor = UserFactory()
    elif case == "own_application":
        actor = reviewer_of("ZONING")
        permit.case.applicant = actor
        permit.case.save(update_fields=["applicant"])

    with pytest.raises(ReviewRefused):
        services.review_comment_add(review=review, sheet=sheet, text=text, actor=actor)
    assert not ReviewComment.objects.exists()


def test_no_comment_on_a_decided_review(permit, fire):
    approve(permit, "FIRE", fire)

    with pytest.raises(ReviewRefused):
        services.review_comment_add(
            review=review_of(permit, "FIRE"),
            sheet=sheet_of(permit, "A1.0"),
            text="Late.",
            actor=fire,
        )


# --- Decisions and the join -------------------------------------------------------------


def test_every_department_approving_approves_the_plans_without_a_letter(permit, zoning, fire):
    approve(permit, "ZONING", zoning)
    permit.case.refresh_from_db()
    assert permit.case.status == wf.IN_REVIEW  # fire has not decided yet

    approve(permit, "FIRE", fire, conditions="Sprinklers in the garage.")

    permit.case.refresh_from_db()
    assert permit.case.status == wf.APPROVED
    assert not CorrectionLetter.objects.exists()
    outcomes = set(WorkItem.objects.filter(case=permit.case).values_list("outcome", flat=True))
    assert outcomes == {WorkItemOutcome.APPROVED}
    assert [(d.code, text) for d, text in permit_conditions(permit=permit)] == [
        ("FIRE", "Sprinklers in the garage.")
    ]


def test_an_undecided_review_becomes_the_deciding_reviewers(permit, zoning):
    approve(permit, "ZONING", zoning)

    review = review_of(permit, "ZONING")
    assert review.work_item.assignee == zoning
    assert review.decided_by == zoning
    assert review.work_item.closed_by == zoning


def test_one_department_asking_for_corrections_sends_one_letter_from_all(permit, zoning, fire):
    # given
    ask_corrections(permit, "ZONING", zoning)
    assert not CorrectionLetter.objects.exists()  # fire is still reviewing

    # when
    approve(permit, "FIRE", fire, conditions="Smoke alarms.")

    # then
    permit.case.refresh_from_db()
    assert permit.case.status == wf.CORRECTIONS_REQUIRED
    assert permit.case.paused_at is not None  # waiting for the applicant
    letter = CorrectionLetter.objects.get()
    assert (letter.permit, letter.round) == (permit, 1)
    event = CaseEvent.objects.get(case=permit.case, kind=wf.CORRECTION_LETTER)
    assert event.payload == {"round": 1, "comments": 1}
    assert event.audience == "participants"
    assert event.text == "Correction letter for review round 1: 1 comment to answer."
    told = Notification.objects.filter(recipient=permit.case.applicant)
    assert told.filter(
        template_key="cases/status_changed", context__status=wf.CORRECTIONS_REQUIRED
    ).exists()


@pytest.mark.parametrize(
    ("decision", "conditions", "comment_first"),
    [
        (ReviewDecision.CONDITIONS, "", False),  # conditions missing
        (ReviewDecision.APPROVED, "Fence it.", False),  # conditions without the decision
        (ReviewDecision.APPROVED, "", True),  # a comment of the department is open
        (ReviewDecision.CONDITIONS, "Fence it.", True),
        (ReviewDecision.CORRECTIONS, "", False),  # nothing to correct
        ("denied", "", False),  # not a decision
    ],
)
def test_a_decision_is_refused_and_nothing_changes(
    permit, zoning, decision, conditions, comment_first
):
    review = review_of(permit, "ZONING")
    if comment_first:
        services.review_comment_add(
            review=review, sheet=sheet_of(permit, "A1.0"), text="Setback.", actor=zoning
        )

    with pytest.raises(ReviewRefused):
        services.review_decide(
            review=review, decision=decision, conditions=conditions, actor=zoning
        )

    review.refresh_from_db()
    assert review.is_open
    assert review.work_item.closed_at is None
    assert not WorkItem.objects.filter(case=permit.case, closed_at__isnull=False).exists()


def test_only_a_reviewer_of_the_department_decides(permit, fire, clerk):
    for actor in (fire, clerk, permit.case.applicant):
        with pytest.raises(ReviewRefused):
            services.review_decide(
                review=review_of(permit, "ZONING"), decision=ReviewDecision.APPROVED, actor=actor
            )
    assert review_of(permit, "ZONING").is_open


def test_a_supervisor_of_the_department_may_decide(permit):
    supervisor = StaffFactory(roles=[("supervisor", department("ZONING"))])

    services.review_decide(
        review=review_of(permit, "ZONING"), decision=ReviewDecision.APPROVED, actor=supervisor
    )

    assert review_of(permit, "ZONING").decision == ReviewDecision.APPROVED


def test_a_review_is_decided_once(permit, zoning):
    approve(permit, "ZONING", zoning)

    with pytest.raises(ReviewRefused):
        ask_corrections(permit, "ZONING", zoning)
    assert review_of(permit, "ZONING").decision == ReviewDecision.APPROVED


@pytest.mark.django_db(transaction=True)
def test_two_last_decisions_at_once_join_the_round_once(permit, zoning, fire):
    # given: each department has one comment, so each may ask for corrections
    for code, reviewer in (("ZONING", zoning), ("FIRE", fire)):
        services.review_comment_add(
            review=review_of(permit, code),
            sheet=sheet_of(permit, "A1.0"),
            text="Fix.",
            actor=reviewer,
        )
    reviews = [(review_of(permit, "ZONING"), zoning), (review_of(permit, "FIRE"), fire)]

    # when
    def decide(i):
        review, reviewer = reviews[i]
        services.review_decide(review=review, decision=ReviewDecision.CORRECTIONS, actor=reviewer)

    run_together(2, decide)

    # then
    permit.case.refresh_from_db()
    assert permit.case.status == wf.CORRECTIONS_REQUIRED
    assert CorrectionLetter.objects.filter(permit=permit).count() == 1
    assert CaseEvent.objects.filter(case=permit.case, kind=wf.CORRECTION_LETTER).count() == 1


# --- Revised sheets and the next round --------------------------------------------------


def test_a_revised_sheet_is_a_new_version_and_the_old_one_stays(permit, zoning, fire):
    _corrections_round_one(permit, zoning, fire)
    original = sheet_of(permit, "A1.0")

    revision = services.plan_sheet_revise(
        permit=permit, sheet="A1.0", upload=_upload(), actor=permit.case.applicant
    )

    assert (revision.version, revision.review_round, revision.page_count) == (2, 2, 2)
    assert revision.title == original.title
    assert list(permit.plan_sheets.filter(sheet="A1.0").values_list("version", flat=True)) == [1, 2]
    assert revision.file.read() != b""


@pytest.mark.parametrize("case", ["in_review", "not_pdf", "other_resident", "no_number"])
def test_a_revised_sheet_is_refused(permit, zoning, fire, case):
    if case != "in_review":
        _corrections_round_one(permit, zoning, fire)
    actor, upload, number = permit.case.applicant, _upload(), "A1.0"
    if case == "not_pdf":
        upload = ContentFile(PNG_BYTES, name="photo.png")
    elif case == "other_resident":
        actor = UserFactory()
    elif case == "no_number":
        number = " "

    with pytest.raises((ReviewRefused, PlanRejected)):
        services.plan_sheet_revise(permit=permit, sheet=number, upload=upload, actor=actor)
    assert permit.plan_sheets.count() == 3


def test_plans_go_back_only_with_a_revised_sheet(permit, zoning, fire):
    _corrections_round_one(permit, zoning, fire)

    with pytest.raises(ReviewRefused):
        services.review_resubmit(permit=permit, actor=permit.case.applicant)
    permit.case.refresh_from_db()
    assert permit.case.status == wf.CORRECTIONS_REQUIRED


def test_plans_in_review_cannot_be_resubmitted(permit):
    with pytest.raises(ReviewRefused):
        services.review_resubmit(permit=permit, actor=permit.case.applicant)


def test_somebody_else_cannot_resubmit(permit, zoning, fire):
    _corrections_round_one(permit, zoning, fire)
    services.plan_sheet_revise(
        permit=permit, sheet="A1.0", upload=_upload(), actor=permit.case.applicant
    )

    with pytest.raises(ReviewRefused):
        services.review_resubmit(permit=permit, actor=UserFactory())
    permit.case.refresh_from_db()
    assert permit.case.status == wf.CORRECTIONS_REQUIRED


def test_the_next_round_reviews_the_departments_that_asked_for_corrections(permit, zoning, fire):
    # given
    _corrections_round_one(permit, zoning, fire)

    # when
    reviews = _resubmit(permit)

    # then
    permit.case.refresh_from_db()
    assert permit.case.status == wf.IN_REVIEW
    assert permit.case.paused_at is None
    assert [(r.work_item.department.code, r.work_item.round) for r in reviews] == [("ZONING", 2)]
    # Fire's approval and its conditions stand.
    assert review_of(permit, "FIRE").decision == ReviewDecision.CONDITIONS
    assert [text for _d, text in permit_conditions(permit=permit)] == [
        "Smoke alarms in every bedroom."
    ]


def test_the_reviewer_sees_which_sheets_changed_since_the_last_round(permit, zoning, fire):
    _corrections_round_one(permit, zoning, fire)
    services.plan_sheet_revise(
        permit=permit,
        sheet="E1.0",
        title="Electrical plan",
        upload=_upload(),
        actor=permit.case.applicant,
    )
    _resubmit(permit)

    sheets = {s.current.sheet: s for s in sheets_for_review(permit=permit, round_=2)}

    assert (sheets["A1.0"].changed, sheets["A1.0"].new, sheets["A1.0"].current.version) == (
        True,
        False,
        2,
    )
    assert [v.version for v in sheets["A1.0"].earlier] == [1]
    assert (sheets["E1.0"].changed, sheets["E1.0"].new) == (False, True)
    assert (sheets["A2.0"].changed, sheets["A2.0"].new) == (False, False)
    # In round 1 nothing is "changed": every sheet is the first submission.
    assert not any(s.changed or s.new for s in sheets_for_review(permit=permit, round_=1))


def test_a_comment_keeps_its_number_and_is_resolved_in_the_next_round(permit, zoning, fire):
    comment = _corrections_round_one(permit, zoning, fire)
    _resubmit(permit)
    review = review_of(permit, "ZONING", 2)
    later = services.review_comment_add(
        review=review, sheet=sheet_of(permit, "S1.0"), text="New: the height.", actor=zoning
    )

    services.review_comment_resolve(comment=comment, actor=zoning)

    comment.refresh_from_db()
    assert (comment.number, comment.status, comment.round_raised, comment.round_resolved) == (
        1,
        CommentStatus.RESOLVED,
        1,
        2,
    )
    assert comment.resolved_by == zoning
    assert (later.number, later.round_raised) == (2, 2)


def test_a_comment_is_not_resolved_in_the_round_it_was_raised(permit, zoning):
    comment = services.review_comment_add(
        review=review_of(permit, "ZONING"),
        sheet=sheet_of(permit, "A1.0"),
        text="Setback.",
        actor=zoning,
    )

    with pytest.raises(ReviewRefused):
        services.review_comment_resolve(comment=comment, actor=zoning)
    comment.refresh_from_db()
    assert comment.is_open


@pytest.mark.parametrize("case", ["other_department", "twice", "while_waiting"])
def test_resolving_a_comment_is_refused(permit, zoning, fire, case):
    comment = _corrections_round_one(permit, zoning, fire)
    actor = zoning
    if case != "while_waiting":
        _resubmit(permit)
    if case == "other_department":
        actor = fire
    elif case == "twice":
        services.review_comment_resolve(comment=comment, actor=zoning)

    with pytest.raises(ReviewRefused):
        services.review_comment_resolve(comment=comment, actor=actor)


def test_the_second_round_approves_once_the_comments_are_resolved(permit, zoning, fire):
    comment = _corrections_round_one(permit, zoning, fire)
    _resubmit(permit)
    with pytest.raises(ReviewRefused):
        approve(permit, "ZONING", zoning)  # comment 1 is still open

    services.review_comment_resolve(comment=comment, actor=zoning)
    approve(permit, "ZONING", zoning)

    permit.case.refresh_from_db()
    assert permit.case.status == wf.APPROVED
    assert CorrectionLetter.objects.filter(permit=permit).count() == 1


def test_a_second_round_with_corrections_sends_a_second_letter(permit, zoning, fire):
    # given: round 1 asked for comment 1; round 2 resolves it and raises comment 2
    first = _corrections_round_one(permit, zoning, fire)
    _resubmit(permit)
    services.review_comment_resolve(comment=first, actor=zoning)

    # when
    second = ask_corrections(permit, "ZONING", zoning, sheet="S1.0", text="Height limit 35 ft.")

    # then
    assert list(CorrectionLetter.objects.filter(permit=permit).values_list("round", flat=True)) == [
        1,
        2,
    ]
    letters = {letter.round: letter for letter in CorrectionLetter.objects.filter(permit=permit)}
    round_two = {s.department.code: s for s in letter_sections(letter=letters[2])}
    assert [c.number for c in round_two["ZONING"].open_comments] == [second.number]
    assert [c.number for c in round_two["ZONING"].resolved_comments] == [first.number]
    assert round_two["FIRE"].decision == ReviewDecision.CONDITIONS
    # The first letter reads as it did when it was sent: comment 1 open then.
    round_one = {s.department.code: s for s in letter_sections(letter=letters[1])}
    assert [c.number for c in round_one["ZONING"].open_comments] == [first.number]
    assert round_one["ZONING"].resolved_comments == []


def test_staff_add_an_approved_department_back_to_the_round(permit, zoning, fire):
    _corrections_round_one(permit, zoning, fire)
    _resubmit(permit)
    supervisor = StaffFactory(roles=[("supervisor", department("BUILDING"))])

    review = services.review_add(permit=permit, department=department("FIRE"), actor=supervisor)

    assert (review.work_item.department.code, review.work_item.round) == ("FIRE", 2)
    with pytest.raises(ReviewRefused):
        services.review_add(permit=permit, department=department("FIRE"), actor=supervisor)


# --- What the applicant reads -----------------------------------------------------------


def test_the_applicant_sees_what_is_open_and_with_whom(permit, zoning, fire):
    services.review_assign(review=review_of(permit, "FIRE"), assignee=fire, actor=fire)
    ask_corrections(permit, "ZONING", zoning)

    standings = {s.department.code: s for s in review_standings(permit=permit)}

    assert standings["ZONING"].standing == Standing.CORRECTIONS
    assert [c.number for c in standings["ZONING"].open_comments] == [1]
    assert standings["FIRE"].standing == Standing.REVIEWING
    assert standings["FIRE"].has_reviewer
    assert [s.department.code for s in review_standings(permit=permit)] == ["ZONING", "FIRE"]


# --- Invariants held by the database ----------------------------------------------------


def _refused(change):
    with pytest.raises(IntegrityError), transaction.atomic():
        change()


def test_the_database_holds_the_review_and_comment_rules(permit, zoning):
    review = review_of(permit, "ZONING")
    comment = services.review_comment_add(
        review=review, sheet=sheet_of(permit, "A1.0"), text="Setback.", actor=zoning
    )

    _refused(lambda: PlanReview.objects.filter(pk=review.pk).update(decision="approved"))
    _refused(
        lambda: ReviewComment.objects.filter(pk=comment.pk).update(status=CommentStatus.RESOLVED)
    )
    _refused(
        lambda: ReviewComment.objects.create(
            permit=permit,
            number=1,
            sheet=comment.sheet,
            department=comment.department,
            review=review,
            text="Again",
            round_raised=1,
            author=zoning,
        )
    )
    _refused(
        lambda: CorrectionLetter.objects.bulk_create(
            [CorrectionLetter(permit=permit, round=1), CorrectionLetter(permit=permit, round=1)]
        )
    )


# --- Demo data --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "status", "letters"),
    [
        ("in_review", wf.IN_REVIEW, 0),
        ("corrections_required", wf.CORRECTIONS_REQUIRED, 1),
        ("approved", wf.APPROVED, 1),
    ],
)
def test_demo_reviews_reach_each_stage_through_the_services(stage, status, letters):
    from accounts.models import User
    from permits.demo.reviews import review_demo

    administrator = User.objects.create_superuser(email="admin@example.gov", password="x")
    permit = submitted_permit("ZONING", "FIRE", "BUILDING")

    review_demo(permit=permit, stage=stage, reviewer=administrator)

    permit.case.refresh_from_db()
    assert permit.case.status == status
    assert CorrectionLetter.objects.filter(permit=permit).count() == letters


def test_the_reviewers_of_each_department_are_told_of_its_review(zoning, fire, clerk):
    colleague = reviewer_of("ZONING")
    permit = submitted_permit("ZONING", "FIRE")

    services.review_start(permit=permit, actor=clerk)

    told = Notification.objects.filter(template_key="permits/review_opened", channel="in_app")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        [zoning.pk, colleague.pk, fire.pk]
    )
    assert permit.case.reference in told.get(recipient=fire).body
    assert not Notification.objects.filter(
        template_key="permits/review_opened", recipient=clerk
    ).exists()


def test_paying_the_application_fee_sends_the_plans_to_review(zoning):
    # given: a draft with plans, of a type reviewed by zoning and fire
    from payments.services import payment_attempt_start, payment_local_complete
    from permits.services import apply

    permit = PermitFactory(
        permit_type=submitted_permit("ZONING", "FIRE").permit_type, owner_builder=True
    )
    sheet_add(permit, "A1.0")
    invoice = apply.permit_request_payment(permit=permit, actor=permit.case.applicant)

    # when
    payment = payment_attempt_start(invoice=invoice, success_url="/", cancel_url="/")
    payment_local_complete(payment=payment, approved=True)

    # then
    permit.case.refresh_from_db()
    assert permit.case.status == wf.IN_REVIEW
    assert sorted(
        WorkItem.objects.filter(case=permit.case, round=1).values_list(
            "department__code", flat=True
        )
    ) == ["FIRE", "ZONING"]
    assert Notification.objects.filter(
        template_key="permits/review_opened", recipient=zoning
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_comments_written_at_once_get_distinct_numbers():
    permit = submitted_permit("ZONING", "FIRE")
    services.review_start(permit=permit, actor=None)
    reviewers = [reviewer_of("ZONING") for _ in range(3)] + [reviewer_of("FIRE") for _ in range(3)]
    codes = ["ZONING"] * 3 + ["FIRE"] * 3

    def comment(i):
        return services.review_comment_add(
            review=review_of(permit, codes[i]),
            sheet=sheet_of(permit, "A1.0"),
            text=f"Comment {i}",
            actor=reviewers[i],
        ).number

    numbers = run_together(6, comment)

    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]
