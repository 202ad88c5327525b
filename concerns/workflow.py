"""The statuses of a concern report, as data for the case engine.

Every move is made by the concerns app's own services (``actors={SYSTEM}``): closing needs a
public reason, reopening is limited to 30 days after closing, and each move must reach the
report's followers as well as its reporter. Those rules live in `concerns.services`, which
checks who is acting before it calls the transition service and records the member of staff
on the timeline; the generic back office therefore offers no bare status change for reports.
"""

from django.utils.translation import gettext_lazy as _

from cases import events
from cases.models import CaseStatus as S
from cases.workflow import SYSTEM, State, Transition, Workflow

KIND = "concern_report"

CONCERN_REPORT = Workflow(
    kind=KIND,
    name=_("Report a problem"),
    prefix="CON",
    # Each category has its own target; this is the fallback for a category without one.
    target_days=10,
    allow_anonymous=True,
    # A report's page is public: its status changes and public reasons are for everyone.
    published=True,
    # Public updates on a report (what the crew found, when it is expected).
    event_kinds={events.UPDATE: events.UPDATE_KIND},
    states={
        S.SUBMITTED: State(
            label=_("Received"),
            next_steps=_("We will check the report and send it to the team that deals with it."),
        ),
        S.IN_PROGRESS: State(
            label=_("Being dealt with"),
            next_steps=_("The team responsible is working on it."),
        ),
        S.CLOSED: State(
            label=_("Closed"),
            next_steps=_("The reason is shown below. If the problem is still there, tell us."),
            final=True,
        ),
        S.REOPENED: State(
            label=_("Reopened"),
            next_steps=_("We were told the problem is still there and are looking at it again."),
        ),
    },
    transitions=[
        Transition(S.SUBMITTED, S.IN_PROGRESS, actors={SYSTEM}, label=_("Start work")),
        Transition(S.SUBMITTED, S.CLOSED, actors={SYSTEM}, label=_("Close")),
        Transition(S.IN_PROGRESS, S.CLOSED, actors={SYSTEM}, label=_("Close")),
        Transition(S.CLOSED, S.REOPENED, actors={SYSTEM}, label=_("Reopen")),
        Transition(S.REOPENED, S.IN_PROGRESS, actors={SYSTEM}, label=_("Start work")),
        Transition(S.REOPENED, S.CLOSED, actors={SYSTEM}, label=_("Close")),
    ],
)
