"""Statuses of its own: an entry waits for its fee, is entered once paid, and is judged on
the show day (not before: a guard)."""

from django.utils import timezone

from cases import events
from cases.workflow import APPLICANT, STAFF, SYSTEM, State, Transition, Workflow

FEE_DUE = "fee_due"
ENTERED = "entered"
JUDGED = "judged"
SCRATCHED = "scratched"


def show_day_reached(case, **kwargs):
    if timezone.localdate() < case.pet_entry.show_class.show_day:
        return "Entries are judged on the show day."
    return None


WORKFLOW = Workflow(
    kind="pet_show_entry",
    name="Pet show entry",
    prefix="PET",
    target_days=14,
    initial_status=FEE_DUE,
    states={
        FEE_DUE: State(label="Entry fee due", next_steps="Pay the fee.", waiting=True),
        ENTERED: State(label="Entered", next_steps="Bring your pet on the show day."),
        JUDGED: State(label="Judged", final=True),
        SCRATCHED: State(label="Scratched", final=True),
    },
    transitions=[
        Transition(FEE_DUE, ENTERED, actors={SYSTEM}, label="Fee paid"),
        Transition(FEE_DUE, SCRATCHED, actors={APPLICANT}, label="Scratch"),
        Transition(ENTERED, JUDGED, actors={STAFF}, label="Judge", guard=show_day_reached),
    ],
    event_kinds={
        events.PAYMENT: events.PAYMENT_KIND,
        events.REMINDER_SENT: events.REMINDER_SENT_KIND,
    },
)
