"""The statuses of a license application, as data for the case engine.

A draft becomes `submitted` only when its fee is paid (the payments receiver, as the
system). Approving, denying and asking for more information go through
`licensing.services`, which checks the clerk and issues the license or messages the
resident in the same transaction: those moves are the clerk's (`STAFF`, recorded as the clerk
who decided) but `service_only`, so the generic back office offers no bare approval that
would leave an approved case without a license. The
resident sends the case back to the clerk from their case page once they have answered.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import events
from cases.areas.locating import CaseLocation
from cases.models import CaseStatus as S
from cases.workflow import APPLICANT, STAFF, SYSTEM, State, Transition, Workflow
from portal.localized import localized_entry

# --- What licensing's events say, rendered in the reader's language when shown ------------

FEE_PAID = events.PAYMENT
LICENSE_ISSUED = "license_issued"
LICENSE_RENEWED = "license_renewed"
COMPLAINT_FILED = "complaint_filed"
ACTION_TAKEN = "action_taken"


def _fee_paid_text(payload) -> str:
    if payload.get("fee") == "renewal":
        return gettext("Renewal fee paid.")
    return gettext("Application fee paid.")


def _license_dated_text(template):
    """`template` is lazy (extracted for translation, translated when shown)."""

    def text(payload) -> str:
        return str(template) % {
            "number": payload.get("number", ""),
            "date": events.display_value("expires_on", payload.get("expires_on")),
        }

    return text


def _complaint_filed_text(payload) -> str:
    text = gettext("Your complaint about %(holder)s, %(type)s %(number)s:") % {
        "holder": payload.get("holder", ""),
        "type": localized_entry(payload, "license_type"),
        "number": payload.get("number", ""),
    }
    if payload.get("occurred_on"):
        date = events.display_value("occurred_on", payload["occurred_on"])
        text += " " + gettext("(on %(date)s)") % {"date": date}
    return text


def _action_taken_text(payload) -> str:
    return gettext("Action taken against the licensee: %(summary)s") % {
        "summary": payload.get("summary", "")
    }


# A fee paid (payload: fee = "application" or "renewal").
FEE_PAID_KIND = events.EventKind(
    label=_("Payment"), audiences=events.PRIVATE_AUDIENCES, text=_fee_paid_text
)
# The license issued or extended (payload: number, expires_on).
LICENSE_ISSUED_KIND = events.EventKind(
    label=_("Update"),
    audiences=events.PRIVATE_AUDIENCES,
    text=_license_dated_text(_("License %(number)s issued, valid until %(date)s.")),
)
LICENSE_RENEWED_KIND = events.EventKind(
    label=_("Update"),
    audiences=events.PRIVATE_AUDIENCES,
    text=_license_dated_text(_("License %(number)s renewed, valid until %(date)s.")),
)
# A complaint filed (payload: holder, license_type, number, occurred_on; body: its words).
COMPLAINT_FILED_KIND = events.EventKind(
    label=_("Update"), audiences=events.PRIVATE_AUDIENCES, text=_complaint_filed_text
)
# A public disciplinary action, told to the complainant (payload: summary, kind).
ACTION_TAKEN_KIND = events.EventKind(
    label=_("Update"), audiences=events.PRIVATE_AUDIENCES, text=_action_taken_text
)

KIND = "license_application"

# Where a license's business is: the address on its application (its ZIP code).
APPLICATION_LOCATION = CaseLocation("licensing.Application", address="address")

LICENSE_APPLICATION = Workflow(
    kind=KIND,
    name=_("License application"),
    prefix="LIC",
    # The whole case, in business days (each license type may set its own).
    target_days=30,
    department_code="LICENSING",
    location=APPLICATION_LOCATION,
    resident_page="licensing:application",
    resident_page_label=_("Your application: answers, fee and license"),
    event_kinds={
        FEE_PAID: FEE_PAID_KIND,
        LICENSE_ISSUED: LICENSE_ISSUED_KIND,
        events.UPDATE: events.UPDATE_KIND,
    },
    states={
        S.DRAFT: State(
            label=_("Not sent yet"),
            next_steps=_("Finish your application and pay the fee to send it."),
        ),
        # Service levels, in business days: a clerk starts the review within 5 and
        # decides within 20 more (the whole case: the type's review target, 30 unless set).
        S.SUBMITTED: State(
            label=_("Received"),
            next_steps=_("A clerk will review your application and may ask you for more."),
            target_days=5,
        ),
        S.IN_REVIEW: State(
            label=_("Being reviewed"),
            next_steps=_("A clerk is checking your answers and documents."),
            target_days=20,
        ),
        S.AWAITING_INFO: State(
            label=_("We need more information"),
            waiting=True,
            next_steps=_(
                "Read the clerk's message, reply or upload what was asked for, then choose "
                "“Send back to the clerk”."
            ),
        ),
        S.APPROVED: State(
            label=_("Approved"),
            next_steps=_("Your license is issued. Download the certificate from your account."),
            final=True,
        ),
        S.DENIED: State(
            label=_("Not approved"),
            next_steps=_("The reason is shown below. Contact us if you have questions."),
            final=True,
        ),
        S.WITHDRAWN: State(
            label=_("Withdrawn"), next_steps=_("You withdrew this application."), final=True
        ),
        S.CANCELLED: State(
            label=_("Discarded"), next_steps=_("This draft was discarded."), final=True
        ),
    },
    transitions=[
        Transition(S.DRAFT, S.SUBMITTED, actors={SYSTEM}, label=_("Send (fee paid)")),
        # Made only by application_discard, which also dates the application (so it stops
        # being the resident's one draft of the type) and voids its open invoice; a move on
        # the case page would do neither.
        Transition(
            S.DRAFT,
            S.CANCELLED,
            actors={APPLICANT, SYSTEM},
            service_only=True,
            label=_("Discard draft"),
        ),
        Transition(S.SUBMITTED, S.IN_REVIEW, actors={STAFF}, label=_("Start review")),
        Transition(
            S.SUBMITTED, S.AWAITING_INFO, actors={STAFF}, service_only=True, label=_("Ask for more")
        ),
        Transition(
            S.IN_REVIEW, S.AWAITING_INFO, actors={STAFF}, service_only=True, label=_("Ask for more")
        ),
        Transition(
            S.AWAITING_INFO,
            S.IN_REVIEW,
            actors={APPLICANT, SYSTEM},
            label=_("Send back to the clerk"),
        ),
        Transition(S.SUBMITTED, S.APPROVED, actors={STAFF}, service_only=True, label=_("Approve")),
        Transition(S.IN_REVIEW, S.APPROVED, actors={STAFF}, service_only=True, label=_("Approve")),
        Transition(S.SUBMITTED, S.DENIED, actors={STAFF}, service_only=True, label=_("Deny")),
        Transition(S.IN_REVIEW, S.DENIED, actors={STAFF}, service_only=True, label=_("Deny")),
        Transition(S.SUBMITTED, S.WITHDRAWN, actors={APPLICANT}, label=_("Withdraw")),
        Transition(S.IN_REVIEW, S.WITHDRAWN, actors={APPLICANT}, label=_("Withdraw")),
        Transition(S.AWAITING_INFO, S.WITHDRAWN, actors={APPLICANT}, label=_("Withdraw")),
    ],
)


# --- Renewals ------------------------------------------------------------------------------

RENEWAL_KIND = "license_renewal"

# A renewal is sent when its fee is paid. A clean one of a type that allows it is approved at
# once by the system in the same transaction; any other waits for a clerk, whose decisions go
# through `licensing.services` (which extends the license), hence the system's moves here.
LICENSE_RENEWAL = Workflow(
    kind=RENEWAL_KIND,
    name=_("License renewal"),
    prefix="REN",
    target_days=14,
    department_code="LICENSING",
    location=APPLICATION_LOCATION,
    event_kinds={
        FEE_PAID: FEE_PAID_KIND,
        LICENSE_RENEWED: LICENSE_RENEWED_KIND,
        events.UPDATE: events.UPDATE_KIND,
    },
    states={
        S.DRAFT: State(
            label=_("Not sent yet"),
            next_steps=_("Check your details, answer the questions and pay the renewal fee."),
        ),
        # Service levels, in business days: review started within 3, decided within 10.
        S.SUBMITTED: State(
            label=_("Received"),
            next_steps=_("A clerk will check your renewal and may ask you for more."),
            target_days=3,
        ),
        S.IN_REVIEW: State(
            label=_("Being reviewed"),
            next_steps=_("A clerk is checking your renewal."),
            target_days=10,
        ),
        S.AWAITING_INFO: State(
            label=_("We need more information"),
            waiting=True,
            next_steps=_(
                "Read the clerk's message, reply or upload what was asked for, then choose "
                "“Send back to the clerk”."
            ),
        ),
        S.APPROVED: State(
            label=_("Renewed"),
            next_steps=_("Your license is renewed. The new expiry date is shown below."),
            final=True,
        ),
        S.DENIED: State(
            label=_("Not renewed"),
            next_steps=_("The reason is shown below. Contact us if you have questions."),
            final=True,
        ),
        S.CANCELLED: State(
            label=_("Discarded"), next_steps=_("This renewal was discarded."), final=True
        ),
    },
    transitions=[
        Transition(S.DRAFT, S.SUBMITTED, actors={SYSTEM}, label=_("Send (fee paid)")),
        # Made only by renewal_discard (which voids the open invoice), never from the case page.
        Transition(
            S.DRAFT, S.CANCELLED, actors={APPLICANT, SYSTEM}, service_only=True, label=_("Discard")
        ),
        Transition(S.SUBMITTED, S.IN_REVIEW, actors={STAFF}, label=_("Start review")),
        Transition(
            S.SUBMITTED, S.AWAITING_INFO, actors={STAFF}, service_only=True, label=_("Ask for more")
        ),
        Transition(
            S.IN_REVIEW, S.AWAITING_INFO, actors={STAFF}, service_only=True, label=_("Ask for more")
        ),
        Transition(
            S.AWAITING_INFO,
            S.IN_REVIEW,
            actors={APPLICANT, SYSTEM},
            label=_("Send back to the clerk"),
        ),
        Transition(
            S.SUBMITTED, S.APPROVED, actors={STAFF, SYSTEM}, service_only=True, label=_("Renew")
        ),
        Transition(
            S.IN_REVIEW, S.APPROVED, actors={STAFF, SYSTEM}, service_only=True, label=_("Renew")
        ),
        Transition(S.SUBMITTED, S.DENIED, actors={STAFF}, service_only=True, label=_("Refuse")),
        Transition(S.IN_REVIEW, S.DENIED, actors={STAFF}, service_only=True, label=_("Refuse")),
    ],
)


# --- complaints against licensees ----------------------------------------------------------

KIND_COMPLAINT = "license_complaint"

LICENSE_COMPLAINT = Workflow(
    kind=KIND_COMPLAINT,
    name=_("Complaint about a licensee"),
    prefix="CMP",
    target_days=60,
    department_code="LICENSING",
    # The business complained about: the address its license was applied for with.
    location=CaseLocation("licensing.Complaint", address="license__application__address"),
    event_kinds={
        COMPLAINT_FILED: COMPLAINT_FILED_KIND,
        ACTION_TAKEN: ACTION_TAKEN_KIND,
        events.UPDATE: events.UPDATE_KIND,
    },
    states={
        # Service levels, in business days: an investigator takes it up within 10.
        S.SUBMITTED: State(
            label=_("Received"),
            next_steps=_("An investigator will read your complaint and may contact you."),
            target_days=10,
        ),
        S.IN_REVIEW: State(
            label=_("Being investigated"),
            next_steps=_("An investigator is looking into your complaint."),
            target_days=50,
        ),
        S.RESOLVED: State(
            label=_("Action taken"),
            next_steps=_(
                "The investigation is over and action was taken. Public actions are shown "
                "when anyone checks the license."
            ),
            final=True,
        ),
        S.CLOSED: State(
            label=_("Closed"),
            next_steps=_("The investigation is over. The reason is shown below."),
            final=True,
        ),
        S.WITHDRAWN: State(
            label=_("Withdrawn"), next_steps=_("You withdrew this complaint."), final=True
        ),
    },
    transitions=[
        Transition(S.SUBMITTED, S.IN_REVIEW, actors={STAFF}, label=_("Start the investigation")),
        Transition(S.IN_REVIEW, S.RESOLVED, actors={STAFF}, label=_("Close: action taken")),
        Transition(S.SUBMITTED, S.CLOSED, actors={STAFF}, label=_("Close: no action")),
        Transition(S.IN_REVIEW, S.CLOSED, actors={STAFF}, label=_("Close: no action")),
        Transition(S.SUBMITTED, S.WITHDRAWN, actors={APPLICANT}, label=_("Withdraw")),
        Transition(S.IN_REVIEW, S.WITHDRAWN, actors={APPLICANT}, label=_("Withdraw")),
    ],
)
