"""The statuses of a concern report, as data for the case engine.

Every move is made by the concerns app's own services (``service_only=True``): closing needs
a public reason, reopening is limited to 30 days after closing, and each move must reach the
report's followers as well as its reporter. Those rules live in `concerns.services`, which
checks who is acting before it calls the transition service; the generic back office
therefore offers no bare status change for reports. The timeline records the member of staff
who made each move, and the reporter who says the problem is still there (a guest's reopening
is the system's, the guest having no account). The case engine tells the reporter and the
confirmed followers of each public move (`participation` below).
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import events
from cases.areas.locating import CaseLocation
from cases.models import CaseStatus as S
from cases.participation import FOLLOWER, Participation
from cases.workflow import APPLICANT, STAFF, SYSTEM, State, Transition, Workflow

KIND = "concern_report"


def _notice_context(*, case, language: str) -> dict:
    from concerns.notices import report_context

    return report_context(case=case, language=language)


CONCERN_REPORT = Workflow(
    kind=KIND,
    name=_("Report a problem"),
    prefix="CON",
    # The whole report, in business days: each category has its own target; this is the
    # fallback for a category without one.
    target_days=10,
    allow_anonymous=True,
    # A report's page is public: its status changes and public reasons are for everyone.
    published=True,
    # Public updates on a report (what the crew found, when it is expected).
    event_kinds={events.UPDATE: events.UPDATE_KIND},
    # The reporter hears of every public move in the engine's words; followers (neighbours
    # who follow the report) in the report's, with its category, reason and expected date.
    # The report's point on the map.
    location=CaseLocation("concerns.ConcernReport", latitude="latitude", longitude="longitude"),
    participation=Participation(
        notices={
            events.STATUS_CHANGED: {
                APPLICANT: "cases/status_changed",
                FOLLOWER: "concerns/update",
            },
        },
        public_page="concerns:detail",
        context=_notice_context,
    ),
    states={
        # Triage within 2 business days (new and reopened reports alike).
        S.SUBMITTED: State(
            label=pgettext_lazy("concern report status", "Received"),
            next_steps=_("We will check the report and send it to the team that deals with it."),
            target_days=2,
        ),
        S.IN_PROGRESS: State(
            label=pgettext_lazy("concern report status", "Being dealt with"),
            next_steps=_("The team responsible is working on it."),
        ),
        S.CLOSED: State(
            label=pgettext_lazy("concern report status", "Closed"),
            next_steps=_("The reason is shown below. If the problem is still there, tell us."),
            final=True,
        ),
        S.REOPENED: State(
            label=pgettext_lazy("concern report status", "Reopened"),
            next_steps=_("We were told the problem is still there and are looking at it again."),
            target_days=2,
        ),
    },
    transitions=[
        Transition(
            S.SUBMITTED, S.IN_PROGRESS, actors={STAFF}, service_only=True, label=_("Start work")
        ),
        Transition(S.SUBMITTED, S.CLOSED, actors={STAFF}, service_only=True, label=_("Close")),
        Transition(S.IN_PROGRESS, S.CLOSED, actors={STAFF}, service_only=True, label=_("Close")),
        Transition(
            S.CLOSED,
            S.REOPENED,
            actors={STAFF, APPLICANT, SYSTEM},
            service_only=True,
            label=_("Reopen"),
        ),
        Transition(
            S.REOPENED, S.IN_PROGRESS, actors={STAFF}, service_only=True, label=_("Start work")
        ),
        Transition(S.REOPENED, S.CLOSED, actors={STAFF}, service_only=True, label=_("Close")),
    ],
)
