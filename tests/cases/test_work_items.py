"""Parallel work items on one case (cases/work_items.py): a review per department, each with
its own assignee, due date and outcome, joined by the workflow's rule."""

import datetime
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connections, transaction
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.exceptions import ActionForbidden, CaseError, InvalidAssignee, TransitionRefused
from cases.models import Case, CaseEvent, CaseStatus
from cases.work_items import (
    WorkItem,
    WorkItemClosed,
    WorkItemOutcome,
    case_has_open_work_items,
    work_item_assign,
    work_item_complete,
    work_item_open,
    work_items_cancel,
    work_items_closed,
    work_items_of,
)
from cases.workflow import STAFF, State, Transition, Workflow, WorkItemJoin
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.factories import DepartmentFactory
from tests.cases.workflows import CORRECTIONS

pytestmark = pytest.mark.django_db

APPROVED = "approved"
REJECTED = "rejected"


@pytest.fixture
def departments():
    return {
        "zoning": DepartmentFactory(code="ZONING", name="Zoning"),
        "fire": DepartmentFactory(code="FIRE", name="Fire"),
    }


@pytest.fixture
def supervisor():
    return StaffFactory(roles=["supervisor"])


@pytest.fixture
def reviewers(departments):
    return {
        name: StaffFactory(roles=[("reviewer", department)])
        for name, department in departments.items()
    }


def _case_in_review(supervisor) -> Case:
    case = services.case_create(kind="test_reviewed", applicant=UserFactory())
    services.transition(case=case, to_status=CaseStatus.IN_REVIEW, actor=supervisor)
    return case


def _open_reviews(case, departments, reviewers, supervisor) -> dict[str, WorkItem]:
    return {
        name: work_item_open(
            case=case,
            department=department,
            title=f"{department.name} review",
            assignee=reviewers[name],
            due_date=datetime.date(2027, 1, 10 + i),
            actor=supervisor,
        )
        for i, (name, department) in enumerate(departments.items())
    }


def test_each_review_has_its_own_assignee_due_date_and_outcome(departments, reviewers, supervisor):
    # given
    case = _case_in_review(supervisor)

    # when
    items = _open_reviews(case, departments, reviewers, supervisor)
    work_item_complete(item=items["zoning"], outcome=APPROVED, actor=reviewers["zoning"])

    # then
    rows = {item.department.code: item for item in work_items_of(case=case)}
    assert rows["ZONING"].assignee == reviewers["zoning"]
    assert rows["FIRE"].assignee == reviewers["fire"]
    assert rows["ZONING"].due_date == datetime.date(2027, 1, 10)
    assert rows["FIRE"].due_date == datetime.date(2027, 1, 11)
    assert (rows["ZONING"].outcome, rows["ZONING"].closed_by) == (APPROVED, reviewers["zoning"])
    assert (rows["FIRE"].outcome, rows["FIRE"].closed_at) == ("", None)
    assert {item.round for item in rows.values()} == {1}


def test_all_approved_moves_the_case_on_when_the_last_review_closes(
    departments, reviewers, supervisor
):
    # given
    case = _case_in_review(supervisor)
    items = _open_reviews(case, departments, reviewers, supervisor)

    # when: the first review closes, the case waits for the other
    work_item_complete(item=items["zoning"], outcome=APPROVED, actor=reviewers["zoning"])
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    assert case_has_open_work_items(case)

    work_item_complete(item=items["fire"], outcome=APPROVED, actor=reviewers["fire"])

    # then: the join moved it, as the system
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert not case_has_open_work_items(case)
    move = CaseEvent.objects.get(case=case, to_status=CaseStatus.APPROVED)
    assert move.actor is None


def test_any_rejection_sends_the_case_for_corrections_once_all_reviews_are_in(
    departments, reviewers, supervisor
):
    # given
    case = _case_in_review(supervisor)
    items = _open_reviews(case, departments, reviewers, supervisor)

    # when: zoning rejects; fire is still reviewing
    work_item_complete(
        item=items["zoning"], outcome=REJECTED, actor=reviewers["zoning"], note="Too tall"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW

    work_item_complete(item=items["fire"], outcome=APPROVED, actor=reviewers["fire"])

    # then
    case.refresh_from_db()
    assert case.status == CORRECTIONS
    assert WorkItem.objects.get(pk=items["zoning"].pk).note == "Too tall"


def test_a_resubmitted_case_is_reviewed_in_a_new_round_judged_on_its_own(
    departments, reviewers, supervisor
):
    # given: round 1 rejected by zoning, the resident sends corrections
    case = _case_in_review(supervisor)
    items = _open_reviews(case, departments, reviewers, supervisor)
    work_item_complete(item=items["zoning"], outcome=REJECTED, actor=reviewers["zoning"])
    work_item_complete(item=items["fire"], outcome=APPROVED, actor=reviewers["fire"])
    services.transition(case=case, to_status=CaseStatus.IN_REVIEW, actor=case.applicant)

    # when: zoning reviews again and approves
    again = work_item_open(
        case=case,
        department=departments["zoning"],
        title="Zoning review",
        assignee=reviewers["zoning"],
        actor=supervisor,
    )
    work_item_complete(item=again, outcome=APPROVED, actor=reviewers["zoning"])

    # then: round 1's rejection no longer counts
    assert again.round == 2
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED


def test_the_guard_refuses_moving_on_while_a_review_is_open(departments, reviewers, supervisor):
    # given
    case = _case_in_review(supervisor)
    items = _open_reviews(case, departments, reviewers, supervisor)

    # when / then: the workflow's guard gives its reason while a review is open
    move = case.workflow.find_transition(CaseStatus.IN_REVIEW, CaseStatus.APPROVED)
    assert move.guard(case=case, actor=supervisor) == "A review of this case is still open."

    with pytest.raises(TransitionRefused, match="A review of this case is still open"):
        services.transition(case=case, to_status=CaseStatus.APPROVED, actor=supervisor)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW

    work_item_complete(item=items["zoning"], outcome=APPROVED, actor=reviewers["zoning"])
    assert work_items_closed(case=case) == "A review of this case is still open."
    work_item_complete(item=items["fire"], outcome=APPROVED, actor=reviewers["fire"])
    assert work_items_closed(case=case) is None


def test_a_review_can_only_be_opened_while_the_case_is_in_review(departments, supervisor):
    case = services.case_create(kind="test_reviewed", applicant=UserFactory())

    with pytest.raises(CaseError):
        work_item_open(case=case, department=departments["fire"], title="Fire", actor=supervisor)

    assert not WorkItem.objects.filter(case=case).exists()


def test_only_the_assignee_or_the_departments_deciders_close_a_review(
    departments, reviewers, supervisor
):
    # given
    case = _case_in_review(supervisor)
    items = _open_reviews(case, departments, reviewers, supervisor)

    # when / then: fire's reviewer cannot decide zoning's review
    with pytest.raises(ActionForbidden):
        work_item_complete(item=items["zoning"], outcome=APPROVED, actor=reviewers["fire"])
    with pytest.raises(ActionForbidden):
        work_item_complete(item=items["zoning"], outcome=APPROVED, actor=None)

    # the assignee can, once
    work_item_complete(item=items["zoning"], outcome=REJECTED, actor=reviewers["zoning"])
    with pytest.raises(WorkItemClosed):
        work_item_complete(
            item=WorkItem.objects.get(pk=items["zoning"].pk),
            outcome=APPROVED,
            actor=supervisor,
        )
    assert WorkItem.objects.get(pk=items["zoning"].pk).outcome == REJECTED


def test_reviews_go_to_staff_of_their_department_by_those_who_assign(
    departments, reviewers, supervisor
):
    case = _case_in_review(supervisor)

    with pytest.raises(InvalidAssignee):
        work_item_open(
            case=case,
            department=departments["zoning"],
            title="Zoning",
            assignee=reviewers["fire"],
            actor=supervisor,
        )
    with pytest.raises(ActionForbidden):
        work_item_open(
            case=case, department=departments["zoning"], title="Zoning", actor=reviewers["zoning"]
        )
    item = work_item_open(
        case=case, department=departments["zoning"], title="Zoning", actor=supervisor
    )
    with pytest.raises(InvalidAssignee):
        work_item_assign(item=item, assignee=reviewers["fire"], actor=supervisor)
    work_item_assign(item=item, assignee=reviewers["zoning"], actor=supervisor)
    assert WorkItem.objects.get(pk=item.pk).assignee == reviewers["zoning"]


def test_the_database_holds_one_review_per_department_per_round(departments, supervisor):
    case = _case_in_review(supervisor)
    work_item_open(case=case, department=departments["fire"], title="Fire", actor=supervisor)

    with pytest.raises(IntegrityError), transaction.atomic():
        work_item_open(case=case, department=departments["fire"], title="Fire", actor=supervisor)


@pytest.mark.parametrize(
    ("outcome", "closed"),
    [(APPROVED, False), ("", True), ("maybe", True)],
    ids=["outcome-while-open", "closed-without-outcome", "unknown-outcome"],
)
def test_the_database_holds_an_outcome_exactly_when_closed(
    departments, supervisor, outcome, closed
):
    case = _case_in_review(supervisor)
    item = work_item_open(case=case, department=departments["fire"], title="Fire", actor=None)

    with pytest.raises(IntegrityError), transaction.atomic():
        WorkItem.objects.filter(pk=item.pk).update(
            outcome=outcome, closed_at=item.opened_at if closed else None
        )


def test_a_join_needs_moves_the_system_may_make():
    workflow = Workflow(
        kind="bad_join",
        name="Bad join",
        prefix="BADJ",
        target_days=1,
        states={
            CaseStatus.SUBMITTED: State(label="In"),
            CaseStatus.APPROVED: State(label="Done", final=True),
        },
        transitions=[Transition(CaseStatus.SUBMITTED, CaseStatus.APPROVED, actors={STAFF})],
        work_items=WorkItemJoin(status=CaseStatus.SUBMITTED, approved=CaseStatus.APPROVED),
    )

    with pytest.raises(ImproperlyConfigured, match="system may make"):
        workflow.validate()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_closing_the_last_reviews_at_once_join_exactly_once():
    # given
    zoning, fire = DepartmentFactory(code="ZONING"), DepartmentFactory(code="FIRE")
    supervisor = StaffFactory(roles=["supervisor"])
    case = _case_in_review(supervisor)
    items = [
        work_item_open(case=case, department=department, title=department.code, actor=None)
        for department in (zoning, fire)
    ]
    start = threading.Barrier(2)
    errors = []

    def close(item):
        try:
            start.wait()
            work_item_complete(item=item, outcome=APPROVED, actor=supervisor)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=close, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then: both closed, and the second saw the first's outcome and moved the case once
    assert errors == []
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert CaseEvent.objects.filter(case=case, to_status=CaseStatus.APPROVED).count() == 1


# --- Cancelling with the case ---------------------------------------------------------


def test_cancelling_closes_every_open_item_of_the_case_and_keeps_the_decided_ones(
    departments, reviewers, supervisor
):
    # given: zoning has rejected, fire is still reviewing; another case has its own review
    case = _case_in_review(supervisor)
    items = _open_reviews(case, departments, reviewers, supervisor)
    work_item_complete(
        item=items["zoning"], outcome=REJECTED, actor=reviewers["zoning"], note="Too tall"
    )
    other = _case_in_review(supervisor)
    elsewhere = work_item_open(
        case=other, department=departments["fire"], title="Fire review", actor=supervisor
    )

    # when: in one UPDATE of the work items
    with CaptureQueriesContext(connections["default"]) as queries:
        closed = work_items_cancel(case=case, actor=supervisor, reason="Application withdrawn")

    # then: fire's review is closed as cancelled, zoning's rejection stands, no join moved
    # the case, and the other case's review is still open
    assert closed == 1
    updates = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "cases_workitem"')
    ]
    assert len(updates) == 1
    fire = WorkItem.objects.get(pk=items["fire"].pk)
    assert fire.outcome == WorkItemOutcome.CANCELLED
    assert fire.closed_at is not None
    assert fire.closed_by == supervisor
    assert fire.note == "Application withdrawn"
    zoning = WorkItem.objects.get(pk=items["zoning"].pk)
    assert (zoning.outcome, zoning.note) == (REJECTED, "Too tall")
    assert not case_has_open_work_items(case)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    assert WorkItem.objects.get(pk=elsewhere.pk).is_open


def test_cancelling_twice_changes_nothing_the_second_time(departments, reviewers, supervisor):
    # given: cancelled once
    case = _case_in_review(supervisor)
    items = _open_reviews(case, departments, reviewers, supervisor)
    assert work_items_cancel(case=case, actor=supervisor, reason="Cancelled") == 2
    before = list(WorkItem.objects.filter(case=case).values_list("pk", "outcome", "closed_at"))

    # when
    closed = work_items_cancel(case=case, actor=None, reason="Again")

    # then
    assert closed == 0
    after = list(WorkItem.objects.filter(case=case).values_list("pk", "outcome", "closed_at"))
    assert after == before
    assert {WorkItem.objects.get(pk=item.pk).note for item in items.values()} == {"Cancelled"}


def test_a_cancelled_item_is_neither_decided_nor_reassigned(departments, reviewers, supervisor):
    # given
    case = _case_in_review(supervisor)
    items = _open_reviews(case, departments, reviewers, supervisor)
    work_items_cancel(case=case, actor=None, reason="")

    # when / then: a reviewer working from a page loaded before is told why
    with pytest.raises(WorkItemClosed, match="cancelled with its case"):
        work_item_complete(item=items["fire"], outcome=APPROVED, actor=reviewers["fire"])
    with pytest.raises(WorkItemClosed, match="cancelled with its case"):
        work_item_assign(item=items["fire"], assignee=None, actor=supervisor)
    assert WorkItem.objects.get(pk=items["fire"].pk).outcome == WorkItemOutcome.CANCELLED
