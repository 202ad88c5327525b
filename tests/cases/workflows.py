"""Throw-away workflows for tests of the case engine (and of anything showing cases).

`TEST_PERMIT` exercises every kind of move: staff-only, applicant-only, shared, system-only,
internal (non-public), final states, drafts and reopening; it has a contractor, told of
inspections with the applicant. `TEST_REPORT` allows anonymous
cases. `TEST_REVIEWED` has parallel reviews (work items) joined by its rule: all approved,
approved; any rejected, back to the resident for corrections. Register them with the
`case_workflows` fixture from tests/cases/conftest.py, or call `register_test_workflows()`
from another test package's conftest.
"""

from cases import events
from cases.models import CaseStatus as S
from cases.participation import CONTRACTOR, CONTRACTOR_ROLE, Participation
from cases.work_items import work_items_closed
from cases.workflow import (
    APPLICANT,
    STAFF,
    SYSTEM,
    State,
    Transition,
    Workflow,
    WorkItemJoin,
    register,
)

TEST_PERMIT = Workflow(
    kind="test_permit",
    name="Test permit",
    prefix="TST",
    target_days=30,
    department_code="TEST_DEPT",
    event_kinds={
        events.PAYMENT: events.PAYMENT_KIND,
        events.REMINDER_SENT: events.REMINDER_SENT_KIND,
        events.UPDATE: events.UPDATE_KIND,
        # A kind of this workflow's own.
        "inspection": events.EventKind(label="Inspection", text="Inspection on {inspection_on}."),
    },
    # A contractor works on the permit; the applicant and the contractor hear of inspections
    # (in the engine's words for any event of a workflow's own).
    participation=Participation(
        roles={CONTRACTOR: CONTRACTOR_ROLE},
        notices={"inspection": {APPLICANT: "cases/event", CONTRACTOR: "cases/event"}},
    ),
    states={
        S.DRAFT: State(label="Not sent yet", next_steps="Finish and send your application."),
        # Stage targets in business days (the whole case: target_days above).
        S.SUBMITTED: State(
            label="Received", next_steps="A clerk will check it within 5 days.", target_days=5
        ),
        S.IN_REVIEW: State(
            label="Being reviewed", next_steps="We are reviewing it.", target_days=10
        ),
        S.AWAITING_INFO: State(
            label="We need more information", next_steps="Reply below.", waiting=True
        ),
        S.APPROVED: State(label="Approved", next_steps="Your permit is ready.", final=True),
        S.DENIED: State(
            label="Not approved", next_steps="You may ask us to look again.", final=True
        ),
        S.WITHDRAWN: State(label="Withdrawn", next_steps="Nothing more will happen.", final=True),
        S.CANCELLED: State(label="Cancelled", next_steps="The fee was not paid.", final=True),
        S.REOPENED: State(
            label="Reopened", next_steps="We are looking at it again.", target_days=3
        ),
    },
    transitions=[
        Transition(S.DRAFT, S.SUBMITTED, actors={APPLICANT, STAFF}, label="Send"),
        Transition(S.SUBMITTED, S.IN_REVIEW, actors={STAFF}, label="Start review"),
        Transition(S.IN_REVIEW, S.AWAITING_INFO, actors={STAFF}, label="Ask for information"),
        Transition(S.AWAITING_INFO, S.IN_REVIEW, actors={APPLICANT, STAFF}, label="Info given"),
        Transition(S.IN_REVIEW, S.APPROVED, actors={STAFF}, label="Approve"),
        Transition(S.IN_REVIEW, S.DENIED, actors={STAFF}, label="Deny"),
        Transition(S.SUBMITTED, S.WITHDRAWN, actors={APPLICANT}, label="Withdraw"),
        Transition(S.IN_REVIEW, S.WITHDRAWN, actors={APPLICANT}, label="Withdraw"),
        Transition(S.SUBMITTED, S.CANCELLED, actors={SYSTEM}, label="Cancel unpaid"),
        Transition(S.DENIED, S.REOPENED, actors={STAFF}, public=False, label="Reopen"),
        Transition(S.REOPENED, S.IN_REVIEW, actors={STAFF}, label="Review again"),
    ],
)

TEST_REPORT = Workflow(
    kind="test_report",
    name="Test report",
    prefix="TRP",
    target_days=5,
    allow_anonymous=True,
    states={
        S.SUBMITTED: State(label="Reported", next_steps="A crew will look at it."),
        S.IN_PROGRESS: State(label="Being fixed"),
        S.RESOLVED: State(label="Fixed", final=True),
    },
    transitions=[
        Transition(S.SUBMITTED, S.IN_PROGRESS, actors={STAFF}),
        Transition(S.IN_PROGRESS, S.RESOLVED, actors={STAFF}),
    ],
)

CORRECTIONS = "corrections_required"

TEST_REVIEWED = Workflow(
    kind="test_reviewed",
    name="Test reviewed permit",
    prefix="TRV",
    target_days=20,
    department_code="TEST_DEPT",
    states={
        S.SUBMITTED: State(label="Received"),
        S.IN_REVIEW: State(label="Being reviewed"),
        CORRECTIONS: State(label="Corrections required", waiting=True),
        S.APPROVED: State(label="Approved", final=True),
    },
    transitions=[
        Transition(S.SUBMITTED, S.IN_REVIEW, actors={STAFF}),
        Transition(S.IN_REVIEW, S.APPROVED, actors={STAFF, SYSTEM}, guard=work_items_closed),
        Transition(S.IN_REVIEW, CORRECTIONS, actors={STAFF, SYSTEM}),
        Transition(CORRECTIONS, S.IN_REVIEW, actors={APPLICANT, STAFF}),
    ],
    work_items=WorkItemJoin(status=S.IN_REVIEW, approved=S.APPROVED, rejected=CORRECTIONS),
)


TEST_WORKFLOWS = (TEST_PERMIT, TEST_REPORT, TEST_REVIEWED)


def register_test_workflows() -> None:
    """Register the test workflows. Their statuses and event kinds are in the test database
    from the start (tests/conftest.py syncs them), registered or not."""
    register(TEST_PERMIT)
    register(TEST_REPORT)
    register(TEST_REVIEWED)
