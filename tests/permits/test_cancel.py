"""Leaving before the end (permits/services/cancel.py): the applicant withdraws before issue,
staff cancel with a reason the applicant reads; booked inspections are cancelled and their
places freed, unpaid fees voided, paid fees kept."""

import pytest

from cases.models import CaseEvent
from cases.selectors import resident_timeline, transitions_for
from cases.work_items import WorkItem, WorkItemOutcome, case_has_open_work_items
from notifications.models import Notification
from payments.models import InvoiceStatus
from permits import workflow as wf
from permits.exceptions import CancelRefused
from permits.models import Inspection, InspectionSlot, InspectionStatus, Permit
from permits.models.reviews import ReviewComment
from permits.services import apply
from permits.services.cancel import permit_cancel, permit_withdraw
from permits.services.inspections import inspection_book, inspection_record_result
from permits.services.issuance import permit_fee_invoice
from permits.services.reviews import review_start
from tests.accounts.factories import StaffFactory, UserFactory
from tests.permits.factories import PermitFactory, department
from tests.permits.inspection_factories import (
    NOW,
    WEDNESDAY,
    approved_permit,
    at,
    inspector,
    issued_permit,
    open_slots,
    pay,
)
from tests.permits.reviews import reviewed_type, sheet_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    return StaffFactory(roles=[("clerk", department(wf.DEPARTMENT_CODE))])


def _status(permit) -> str:
    return Permit.objects.select_related("case").get(pk=permit.pk).case.status


def _fee_due(permit):
    """An approved permit with its permit fee invoiced and unpaid."""
    return permit_fee_invoice(permit=permit).invoice


# --- Withdrawing ----------------------------------------------------------------------


def test_the_applicant_withdraws_an_approved_permit_and_owes_nothing_more():
    # given: approved, the application fee paid, the permit fee invoiced
    permit = approved_permit()
    fee = _fee_due(permit)
    applicant = permit.case.applicant

    # when
    permit_withdraw(permit=permit, actor=applicant, reason="We sold the house.")

    # then: withdrawn, the permit fee voided, the reason kept for staff only
    assert _status(permit) == wf.WITHDRAWN
    fee.refresh_from_db()
    assert fee.status == InvoiceStatus.VOID
    note = CaseEvent.objects.get(case=permit.case, kind=CaseEvent.Kind.NOTE)
    assert note.body == "Reason given by the applicant: We sold the house."
    assert note.audience == CaseEvent.Audience.STAFF
    assert "We sold the house." not in str(list(resident_timeline(case=permit.case)))


def test_withdrawing_in_review_keeps_the_application_fee_paid():
    # given: an application sent by paying its fee, its plans in review
    permit = PermitFactory(permit_type=reviewed_type("ZONING"), owner_builder=True)
    sheet_add(permit, "A1.0")
    invoice = apply.permit_request_payment(permit=permit, actor=permit.case.applicant)
    assert invoice.total_cents > 0
    pay(invoice)
    assert _status(permit) == wf.IN_REVIEW

    # when
    permit_withdraw(permit=permit, actor=permit.case.applicant)

    # then: withdrawn, and the fee paid for the review is kept
    assert _status(permit) == wf.WITHDRAWN
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


@pytest.mark.parametrize("who", ["stranger", "clerk", "nobody"])
def test_only_the_applicant_withdraws(who, clerk):
    permit = approved_permit()
    fee = _fee_due(permit)
    actor = {"stranger": UserFactory(), "clerk": clerk, "nobody": None}[who]

    with pytest.raises(CancelRefused, match="Only the applicant"):
        permit_withdraw(permit=permit, actor=actor)

    assert _status(permit) == wf.APPROVED
    fee.refresh_from_db()
    assert fee.status == InvoiceStatus.OPEN


def test_an_issued_permit_is_not_withdrawn_but_cancelled_by_staff():
    permit = issued_permit()

    with pytest.raises(CancelRefused, match="can no longer be withdrawn"):
        permit_withdraw(permit=permit, actor=permit.case.applicant)

    assert _status(permit) == wf.ISSUED


def test_a_draft_is_discarded_not_withdrawn():
    permit = PermitFactory()

    with pytest.raises(CancelRefused, match="discard the draft"):
        permit_withdraw(permit=permit, actor=permit.case.applicant)


def test_the_case_page_never_offers_a_bare_withdrawal():
    permit = approved_permit()

    offered = transitions_for(case=permit.case, user=permit.case.applicant)

    assert wf.WITHDRAWN not in [move.target for move in offered]


# --- Cancelling -----------------------------------------------------------------------


def test_staff_cancel_an_issued_permit_freeing_its_booked_inspection(clerk):
    # given: an issued permit (its permit fee paid) with an inspection booked
    inspector()
    open_slots()
    permit = issued_permit()
    booked = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    permit_fee = permit.issuance.invoice

    # when
    permit_cancel(permit=permit, actor=clerk, reason="The permit was issued for the wrong lot.")

    # then: cancelled, the reason on the applicant's timeline and in their notice
    assert _status(permit) == wf.CANCELLED
    moved = CaseEvent.objects.get(case=permit.case, to_status=wf.CANCELLED)
    assert moved.body == "The permit was issued for the wrong lot."
    assert moved in list(resident_timeline(case=permit.case))
    assert Notification.objects.filter(
        recipient=permit.case.applicant, body__contains="wrong lot"
    ).exists()
    # the inspection is cancelled and its place freed for someone else
    booked.refresh_from_db()
    assert booked.status == InspectionStatus.CANCELLED
    assert booked.cancel_reason == "The permit was issued for the wrong lot."
    assert InspectionSlot.objects.get(pk=booked.slot_id).booked == 0
    # the permit fee paid is kept (the refund rule)
    permit_fee.refresh_from_db()
    assert permit_fee.status == InvoiceStatus.PAID


def test_cancelling_voids_an_unpaid_reinspection_fee(clerk):
    # given: a failed inspection that charged a re-inspection fee, not paid
    staff = inspector()
    open_slots()
    permit = issued_permit(fee={"fee_cents": 7_500, "free_failures": 0})
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    inspection_record_result(
        inspection=inspection,
        actor=staff,
        result="failed",
        deficiencies="No guard rail on the stairs.",
        now=at(WEDNESDAY, 16),
    )
    fee = Inspection.objects.get(pk=inspection.pk).fee_invoice
    assert fee.status == InvoiceStatus.OPEN

    # when
    permit_cancel(permit=permit, actor=clerk, reason="Work abandoned.")

    # then
    fee.refresh_from_db()
    assert fee.status == InvoiceStatus.VOID
    assert _status(permit) == wf.CANCELLED


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_cancellation_says_why(clerk, reason):
    permit = approved_permit()
    fee = _fee_due(permit)

    with pytest.raises(CancelRefused, match="Say why"):
        permit_cancel(permit=permit, actor=clerk, reason=reason)

    assert _status(permit) == wf.APPROVED
    fee.refresh_from_db()
    assert fee.status == InvoiceStatus.OPEN


@pytest.mark.parametrize("who", ["applicant", "resident", "other_department"])
def test_only_the_permit_office_cancels(who):
    permit = approved_permit()
    actor = {
        "applicant": permit.case.applicant,
        "resident": UserFactory(),
        "other_department": StaffFactory(roles=[("clerk", department("PARKS"))]),
    }[who]

    with pytest.raises(CancelRefused, match="Only the permit office"):
        permit_cancel(permit=permit, actor=actor, reason="No.")

    assert _status(permit) == wf.APPROVED


def test_a_closed_permit_is_not_cancelled_again(clerk):
    permit = approved_permit()
    permit_cancel(permit=permit, actor=clerk, reason="Duplicate application.")

    with pytest.raises(CancelRefused, match="closed already"):
        permit_cancel(permit=permit, actor=clerk, reason="Again.")

    assert CaseEvent.objects.filter(case=permit.case, to_status=wf.CANCELLED).count() == 1


def test_a_withdrawn_permits_open_review_is_no_longer_decided_nor_listed_as_open():
    # given: plans in review by zoning, then withdrawn
    from permits.admin.reviews import OpenReviewFilter, PlanReviewAdmin
    from permits.models import PlanReview
    from permits.services import reviews as review_services
    from permits.services.reviews import ReviewRefused
    from tests.permits.reviews import review_of, reviewer_of, submitted_permit

    permit = submitted_permit("ZONING")
    review_services.review_start(permit=permit, actor=None)
    reviewer = reviewer_of("ZONING")
    permit_withdraw(permit=permit, actor=permit.case.applicant)

    # when / then: the decision is refused
    with pytest.raises(ReviewRefused, match="not in review any more"):
        review_services.review_decide(
            review=review_of(permit, "ZONING"), decision="approved", actor=reviewer
        )

    # and the reviewers' "Open" list leaves it out
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = reviewer
    opened = OpenReviewFilter(
        request, {"open": ["yes"]}, PlanReview, PlanReviewAdmin(PlanReview, admin.site)
    )
    assert not opened.queryset(request, PlanReview.objects.filter(permit=permit)).exists()


# --- The reviews close with the application --------------------------------------------


def _review_states(permit) -> dict[str, tuple[str, bool]]:
    from permits.models import PlanReview

    return {
        review.work_item.department.code: (review.work_item.outcome, review.work_item.is_open)
        for review in PlanReview.objects.filter(permit=permit).select_related(
            "work_item__department"
        )
    }


def test_withdrawing_closes_the_reviews_still_open_and_keeps_those_decided():
    # given: zoning has approved, fire is still reviewing
    from tests.permits.reviews import approve, reviewer_of, submitted_permit

    permit = submitted_permit("ZONING", "FIRE")
    review_start(permit=permit, actor=None)
    approve(permit, "ZONING", reviewer_of("ZONING"))

    # when
    permit_withdraw(permit=permit, actor=permit.case.applicant)

    # then: fire's review left every queue, zoning's approval stands
    assert _status(permit) == wf.WITHDRAWN
    assert _review_states(permit) == {
        "ZONING": (WorkItemOutcome.APPROVED, False),
        "FIRE": (WorkItemOutcome.CANCELLED, False),
    }
    assert not case_has_open_work_items(permit.case)
    # and the applicant's page no longer says fire is reviewing the plans
    from permits.selectors_reviews import Standing, review_standings

    standings = {row.department.code: row.standing for row in review_standings(permit=permit)}
    assert standings == {"ZONING": Standing.APPROVED, "FIRE": Standing.STOPPED}


def test_staff_cancelling_closes_every_open_review(clerk):
    # given: plans in review by two departments
    from tests.permits.reviews import submitted_permit

    permit = submitted_permit("ZONING", "FIRE")
    review_start(permit=permit, actor=None)

    # when
    permit_cancel(permit=permit, actor=clerk, reason="The applicant asked us by phone.")

    # then
    assert _status(permit) == wf.CANCELLED
    assert _review_states(permit) == {
        "ZONING": (WorkItemOutcome.CANCELLED, False),
        "FIRE": (WorkItemOutcome.CANCELLED, False),
    }
    cancelled = WorkItem.objects.filter(case_id=permit.case_id)
    assert {item.closed_by_id for item in cancelled} == {clerk.pk}


def test_a_refused_cancellation_leaves_the_reviews_open(clerk):
    from tests.permits.reviews import submitted_permit

    permit = submitted_permit("ZONING")
    review_start(permit=permit, actor=None)

    with pytest.raises(CancelRefused):
        permit_withdraw(permit=permit, actor=clerk)

    assert _review_states(permit) == {"ZONING": ("", True)}


@pytest.mark.parametrize("action", ["take", "comment", "decide", "resolve"])
def test_no_reviewer_acts_on_a_review_closed_with_its_application(action):
    # given: a reviewer's review, with a comment, on an application since withdrawn
    from permits.services import reviews as review_services
    from permits.services.reviews import ReviewRefused
    from tests.permits.reviews import review_of, reviewer_of, sheet_of, submitted_permit

    permit = submitted_permit("ZONING")
    review_start(permit=permit, actor=None)
    reviewer = reviewer_of("ZONING")
    review = review_of(permit, "ZONING")
    comment = review_services.review_comment_add(
        review=review, sheet=sheet_of(permit, "A1.0"), text="Label the exits.", actor=reviewer
    )
    permit_withdraw(permit=permit, actor=permit.case.applicant)

    # when / then: refused, saying why
    act = {
        "take": lambda: review_services.review_assign(
            review=review, assignee=reviewer, actor=reviewer
        ),
        "comment": lambda: review_services.review_comment_add(
            review=review, sheet=sheet_of(permit, "A1.0"), text="More.", actor=reviewer
        ),
        "decide": lambda: review_services.review_decide(
            review=review, decision="corrections", actor=reviewer
        ),
        "resolve": lambda: review_services.review_comment_resolve(comment=comment, actor=reviewer),
    }[action]
    with pytest.raises(ReviewRefused, match="withdrawn or cancelled"):
        act()
    fresh = review_of(permit, "ZONING")
    assert fresh.work_item.assignee_id is None
    assert fresh.decision == ""
    assert ReviewComment.objects.filter(permit=permit).count() == 1
