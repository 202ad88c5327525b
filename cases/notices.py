"""The messages the case engine sends to participants and staff, through the notifications outbox.

Template keys (templates in templates/notifications/cases/<key>/):

``cases/submitted``       to the applicant: we received your request (reference, next steps)
``cases/status_changed``  to the applicant: a public status change, with the public note
``cases/followed_update`` to a follower: a public status change of a case they follow
``cases/message``         to the applicant: staff wrote to you about your case
``cases/event``           to whom a workflow tells of an event of its own kinds (an
                          inspection): its title and text, for any service to declare
``cases/participant_confirm`` to a pending participant: the link that confirms their address,
                          and the only message until it is opened
``cases/reply_received``  to staff (see below): the resident replied
``cases/document_received`` to staff: the resident added a document to a sent case
``cases/sent_back``       to staff: the resident sent the case back (e.g. with what was asked)
``cases/escalated``       to supervisors: the case is overdue (sent by cases/escalations.py)

Participants are told what their workflow declares for each kind of event
(cases/participation.py): exactly the confirmed participants of the roles told of the kind,
never one whose role may not read the event (a follower hears of public events only), each
in their own language (an account's preferred language, a guest's the one they used) and by
their preferences (the outbox decides the channels and skips opted-out addresses). The
applicant's link is their case page (or a guest link); every other role's is the case's
public page, if the workflow has one, never the applicant's guest link.

Staff are told on e-mail and in-app, each as their preferences say: the case's assignee, or
when nobody holds it, the staff who work its department (`cases.permissions.department_staff`).

Every context carries the reference, the plain-language status and the link, rendered in
the recipient's language. Each send has a dedupe key tied to the row that caused it (and,
beyond the applicant, to the participant), so repeating a call never sends twice.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from cases import permissions
from cases.events import PARTICIPANTS
from cases.models import Case
from cases.participants import participants_told
from cases.participation import APPLICANT
from cases.tokens import case_url, participant_confirm_token


def _context(case: Case, *, language: str, link: str, **extra) -> dict:
    with translation.override(language):
        context = {
            "reference": case.reference,
            "kind": case.kind,
            "service_name": str(case.service_name),
            "status": case.status,
            "status_label": str(case.status_label),
            "next_steps": str(case.next_steps),
            "due_date": case.due_date.isoformat() if case.due_date else "",
            "case_url": link,
            # A guest's link is read-only: they answer by phone or e-mail instead.
            "is_guest": case.applicant_id is None,
            "guest_name": case.guest_name if case.applicant_id is None else "",
        }
    context.update(extra)
    return context


def _public_link(case: Case) -> str:
    workflow = case.workflow
    page = workflow.participation.public_page if workflow is not None else ""
    if not page:
        return ""
    return settings.SITE_URL + reverse(page, kwargs={"reference": case.reference})


def _language(participant) -> str:
    if participant.user_id is not None:
        return participant.user.preferred_language
    return participant.language


def participant_send(
    participant, case: Case, *, template_key: str, dedupe_key: str, link: str = "", **extra
) -> list:
    """Queue `template_key` to one participant, in their language and by their preferences,
    with the engine's context, the workflow's (`Participation.context`) and `extra`. `link`
    defaults to what the participant may open: the applicant's case page or guest link, the
    public page for anyone else."""
    from notifications.services import notification_send

    if not link:
        link = case_url(case=case) if participant.role == APPLICANT else _public_link(case)
    language = _language(participant)
    context = _context(case, language=language, link=link)
    workflow = case.workflow
    if workflow is not None and workflow.participation.context is not None:
        with translation.override(language):
            context.update(workflow.participation.context(case=case, language=language))
    context.update(extra)
    if participant.user_id is not None:
        return notification_send(
            template_key=template_key,
            context=context,
            dedupe_key=dedupe_key,
            user=participant.user,
            link_url=link,
        )
    return notification_send(
        template_key=template_key,
        context=context,
        dedupe_key=dedupe_key,
        email=participant.email,
        phone=str(participant.phone) if participant.phone else "",
        link_url=link,
        language=participant.language,
    )


def notify_participants(case: Case, *, kind: str, audience: str, dedupe_key: str, **extra) -> list:
    """Tell the participants of `case` whom its workflow tells of an event of `kind` for
    `audience` (cases.participants.participants_told). The applicant's message has
    `dedupe_key`; everyone else's adds their participant id."""
    rows = []
    for participant, template_key in participants_told(case=case, kind=kind, audience=audience):
        key = (
            dedupe_key
            if participant.role == APPLICANT
            else (f"{dedupe_key}:participant:{participant.pk}")
        )
        rows += participant_send(
            participant, case, template_key=template_key, dedupe_key=key, **extra
        )
    return rows


def notify_submitted(case: Case, *, audience: str) -> list:
    return notify_participants(
        case, kind="submitted", audience=audience, dedupe_key=f"cases:{case.pk}:submitted"
    )


def notify_status_changed(case: Case, *, event, public_note: str) -> list:
    return notify_participants(
        case,
        kind=event.kind,
        audience=event.audience,
        dedupe_key=f"cases:{case.pk}:event:{event.pk}",
        note=public_note,
    )


def notify_message(case: Case, *, message_id: int, body: str) -> list:
    return notify_participants(
        case,
        kind="message",
        audience=PARTICIPANTS,
        dedupe_key=f"cases:{case.pk}:message:{message_id}",
        message=body,
    )


def notify_participant_confirm(participant) -> list:
    """Send a pending participant the link that confirms their address (the only message
    they get until they open it), naming the role they were given."""
    from cases.participants import CONFIRM_MAX_AGE, roles_of

    case = participant.case
    path = reverse(
        "cases:participant_confirm", kwargs={"token": participant_confirm_token(participant)}
    )
    role = roles_of(case).get(participant.role)
    with translation.override(_language(participant)):
        role_label = str(role.label) if role is not None else participant.role
    return participant_send(
        participant,
        case,
        template_key="cases/participant_confirm",
        dedupe_key=f"cases:{case.pk}:participant-confirm:{participant.pk}",
        confirm_url=settings.SITE_URL + path,
        confirm_days=CONFIRM_MAX_AGE.days,
        role_label=role_label,
    )


def notify_event(case: Case, *, event) -> list:
    """Tell the participants whom the workflow tells of a service's own event (a payment,
    an inspection result), with its title and text in each one's language."""
    rows = []
    told = participants_told(case=case, kind=event.kind, audience=event.audience)
    for participant, template_key in told:
        with translation.override(_language(participant)):
            title, text = event.title, event.text
        key = f"cases:{case.pk}:event:{event.pk}"
        if participant.role != APPLICANT:
            key = f"{key}:participant:{participant.pk}"
        rows += participant_send(
            participant,
            case,
            template_key=template_key,
            dedupe_key=key,
            event_title=title,
            event_text=text,
        )
    return rows


def staff_to_tell(case: Case) -> list:
    """Who on staff hears of the resident's move on `case`: its assignee (if still active
    staff), otherwise the staff who work its department. Never the case's own applicant."""
    if case.assignee_id is not None and permissions.is_active_staff(case.assignee):
        people = [case.assignee]
    else:
        people = list(permissions.department_staff(case))
    return [person for person in people if person.pk != case.applicant_id]


def _send_to_staff(case: Case, *, template_key: str, dedupe_key: str) -> list:
    """Queue `template_key` to each member of staff to tell, on e-mail and in-app as their
    preferences say, linking to the case's back-office page. In primary-key order, so two
    transactions telling the same people take their rows' locks in the same order."""
    from notifications.models import NotificationChannel
    from notifications.services import notification_send

    link = settings.SITE_URL + reverse("admin:cases_case_change", args=[case.pk])
    rows = []
    for person in sorted(staff_to_tell(case), key=lambda person: person.pk):
        context = _context(case, language=person.preferred_language, link=link)
        context.update(assigned=case.assignee_id == person.pk)
        rows += notification_send(
            template_key=template_key,
            context=context,
            dedupe_key=f"{dedupe_key}:staff:{person.pk}",
            user=person,
            channels=[NotificationChannel.EMAIL, NotificationChannel.IN_APP],
            link_url=link,
        )
    return rows


def notify_reply_received(case: Case, *, message_id: int) -> list:
    """Tell staff (the assignee, else the department's) that the resident replied."""
    return _send_to_staff(
        case, template_key="cases/reply_received", dedupe_key=f"cases:{case.pk}:reply:{message_id}"
    )


def notify_document_received(case: Case, *, document_id: int) -> list:
    """Tell staff (the assignee, else the department's) that the resident added a document."""
    return _send_to_staff(
        case,
        template_key="cases/document_received",
        dedupe_key=f"cases:{case.pk}:document:{document_id}",
    )


def notify_sent_back(case: Case, *, event_id: int) -> list:
    """Tell staff (the assignee, else the department's) that the resident sent the case back."""
    return _send_to_staff(
        case, template_key="cases/sent_back", dedupe_key=f"cases:{case.pk}:sent_back:{event_id}"
    )
