"""Every status a permit case passes through, as data for the case engine.

One workflow holds the whole life of a permit, from the draft to the final inspection, so a
permit has one reference and one timeline; each part of the app makes its own moves:

- applying (`permits.services.apply`): a draft is sent (`submitted`) when the application
  and plan-review fee is paid (the payments receiver, as the system), or discarded;
- plan review (`permits.services.reviews`): the reviews are opened, one work item per
  reviewing department (`in_review`); when the last review of a round closes, the engine
  joins the outcomes (`WORK_ITEMS`): all approved moves the case to `approved`, any
  correction asked moves it to `corrections_required`; revised sheets send it back to
  `in_review` for the next round;
- issuing (`permits.services.issuance`): once the remaining permit fee is paid the permit is
  `issued`; with the first inspection booked it is `inspections`; it is `finaled` when the
  final inspection passes, `expired` when its validity runs out without an inspection;
- leaving (`permits.services.cancel`): the applicant withdraws before issue; staff cancel,
  with a reason the applicant reads.

Moves that must do more than change the status (open reviews, issue a number, record an
inspection) are `service_only`: the generic case page never offers a bare move that would
leave, say, an issued permit without a number.

Each part declares the kinds of event it records in `EVENT_KINDS` below.
"""

from django.utils.translation import gettext_lazy as _

from cases import events
from cases.areas.locating import CaseLocation
from cases.models import CaseStatus as S
from cases.participation import CONTRACTOR, CONTRACTOR_ROLE, Participation
from cases.workflow import APPLICANT, STAFF, SYSTEM, State, Transition, Workflow, WorkItemJoin
from permits import inspection_events
from permits.review_events import CORRECTION_LETTER, CORRECTION_LETTER_KIND

KIND = "permit"
PREFIX = "PER"
# The department the case itself belongs to (its queue and service level); the reviewing
# departments of each permit type are work items on the case.
DEPARTMENT_CODE = "BUILDING"

DRAFT = S.DRAFT
SUBMITTED = S.SUBMITTED
IN_REVIEW = S.IN_REVIEW
CORRECTIONS_REQUIRED = "corrections_required"
APPROVED = S.APPROVED
ISSUED = "issued"
INSPECTIONS = "inspections"
FINALED = "finaled"
EXPIRED = "expired"
CANCELLED = S.CANCELLED
WITHDRAWN = S.WITHDRAWN

# Before the permit is issued the applicant may still withdraw it.
WITHDRAWABLE = (SUBMITTED, IN_REVIEW, CORRECTIONS_REQUIRED, APPROVED)
# Staff may cancel a permit at any open stage (a void permit, an abandoned application).
CANCELLABLE = (SUBMITTED, IN_REVIEW, CORRECTIONS_REQUIRED, APPROVED, ISSUED, INSPECTIONS)
# The permit is in force: work may go on and inspections may be booked.
IN_FORCE = (ISSUED, INSPECTIONS)

FEE_PAID = events.PAYMENT

# The kinds of event recorded on a permit's timeline beyond the engine's own. Each part of
# the app adds its own here (reviews, issuance, inspections).
EVENT_KINDS = {
    FEE_PAID: events.PAYMENT_KIND,
    events.UPDATE: events.UPDATE_KIND,
    events.REMINDER_SENT: events.REMINDER_SENT_KIND,
    # Plan review: a round ended with one correction letter from every department.
    CORRECTION_LETTER: CORRECTION_LETTER_KIND,
    **inspection_events.EVENT_KINDS,
}

# The reviews' outcomes move the case when the last review of a round closes.
WORK_ITEMS = WorkItemJoin(status=IN_REVIEW, approved=APPROVED, rejected=CORRECTIONS_REQUIRED)

PERMIT = Workflow(
    kind=KIND,
    name=_("Permit"),
    prefix=PREFIX,
    # The whole case until issue, in business days (a type may set its own).
    target_days=30,
    department_code=DEPARTMENT_CODE,
    initial_status=SUBMITTED,
    resident_page="permits:application",
    resident_page_label=_("Your permit: property, work, plans and fees"),
    event_kinds=EVENT_KINDS,
    work_items=WORK_ITEMS,
    # The property's address (its ZIP code).
    location=CaseLocation("permits.Permit", address="address"),
    participation=Participation(
        roles={CONTRACTOR: CONTRACTOR_ROLE}, notices=inspection_events.NOTICES
    ),
    states={
        DRAFT: State(
            label=_("Not sent yet"),
            next_steps=_("Finish your application and pay the fee to send it."),
        ),
        SUBMITTED: State(
            label=_("Received"),
            next_steps=_("We are checking your application and will send your plans for review."),
            target_days=3,
        ),
        IN_REVIEW: State(
            label=_("Plans in review"),
            next_steps=_(
                "Each department reviews your plans. You will be told if anything needs to change."
            ),
            staff_label=_("In plan review"),
            target_days=20,
        ),
        CORRECTIONS_REQUIRED: State(
            label=_("Corrections needed"),
            next_steps=_(
                "Read the correction letter, then upload revised sheets to send your plans "
                "back for review."
            ),
            waiting=True,
        ),
        APPROVED: State(
            label=_("Approved: permit fee due"),
            next_steps=_("Pay the permit fee and we will issue your permit."),
            waiting=True,
        ),
        ISSUED: State(
            label=_("Permit issued"),
            next_steps=_("Post the permit card on site and book your first inspection."),
        ),
        INSPECTIONS: State(
            label=_("Inspections under way"),
            next_steps=_("Book the next inspection when the work is ready for it."),
        ),
        FINALED: State(
            label=_("Finaled"),
            next_steps=_("The final inspection passed. The work is complete."),
            final=True,
        ),
        EXPIRED: State(
            label=_("Expired"),
            next_steps=_("This permit expired. Contact us to ask what you can do."),
            final=True,
        ),
        CANCELLED: State(
            label=_("Cancelled"), next_steps=_("This permit was cancelled."), final=True
        ),
        WITHDRAWN: State(
            label=_("Withdrawn"), next_steps=_("You withdrew this application."), final=True
        ),
    },
    transitions=[
        # Applying.
        Transition(DRAFT, SUBMITTED, actors={SYSTEM}, label=_("Send (fee paid)")),
        Transition(
            DRAFT,
            CANCELLED,
            actors={APPLICANT, SYSTEM},
            service_only=True,
            label=_("Discard draft"),
        ),
        # Plan review: opening the reviews starts a round; the join moves the case on.
        Transition(
            SUBMITTED,
            IN_REVIEW,
            actors={STAFF, SYSTEM},
            service_only=True,
            label=_("Send plans for review"),
        ),
        Transition(
            IN_REVIEW,
            APPROVED,
            actors={SYSTEM},
            service_only=True,
            label=_("Reviews approved"),
        ),
        Transition(
            IN_REVIEW,
            CORRECTIONS_REQUIRED,
            actors={SYSTEM},
            service_only=True,
            label=_("Corrections required"),
        ),
        Transition(
            CORRECTIONS_REQUIRED,
            IN_REVIEW,
            actors={APPLICANT, STAFF, SYSTEM},
            service_only=True,
            label=_("Send revised plans"),
        ),
        # Issuing and inspections.
        Transition(
            APPROVED, ISSUED, actors={STAFF, SYSTEM}, service_only=True, label=_("Issue permit")
        ),
        Transition(
            ISSUED,
            INSPECTIONS,
            actors={APPLICANT, STAFF, SYSTEM},
            service_only=True,
            label=_("Start inspections"),
        ),
        Transition(ISSUED, FINALED, actors={STAFF, SYSTEM}, service_only=True, label=_("Final")),
        Transition(
            INSPECTIONS, FINALED, actors={STAFF, SYSTEM}, service_only=True, label=_("Final")
        ),
        Transition(ISSUED, EXPIRED, actors={SYSTEM}, service_only=True, label=_("Expire")),
        Transition(INSPECTIONS, EXPIRED, actors={SYSTEM}, service_only=True, label=_("Expire")),
        Transition(
            EXPIRED, ISSUED, actors={STAFF}, service_only=True, label=_("Reinstate (extension)")
        ),
        # Leaving early.
        # Leaving cancels the inspections booked and voids the fees still due
        # (permits.services.cancel): never a bare move.
        *[
            Transition(
                status, WITHDRAWN, actors={APPLICANT}, service_only=True, label=_("Withdraw")
            )
            for status in WITHDRAWABLE
        ],
        *[
            Transition(status, CANCELLED, actors={STAFF}, service_only=True, label=_("Cancel"))
            for status in CANCELLABLE
        ],
    ],
)
