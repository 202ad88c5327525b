"""The messages the case engine sends to residents and staff, through the notifications outbox.

Template keys (templates in templates/notifications/cases/<key>/):

``cases/submitted``       to the resident: we received your request (reference, next steps)
``cases/status_changed``  to the resident: a public status change, with the public note
``cases/message``         to the resident: staff wrote to you about your case
``cases/reply_received``  to staff (see below): the resident replied
``cases/document_received`` to staff: the resident added a document to a sent case
``cases/sent_back``       to staff: the resident sent the case back (e.g. with what was asked)
``cases/escalated``       to supervisors: the case is overdue (sent by cases/escalations.py)

Staff are told on e-mail and in-app, each as their preferences say: the case's assignee, or
when nobody holds it, the staff who work its department (`cases.permissions.department_staff`).

Every context carries the reference, the plain-language status and the absolute case link,
rendered in the recipient's language (a guest's is the language they applied in). Each send
has a dedupe key tied to the row that caused it, so repeating a call never sends twice.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from cases import permissions
from cases.models import Case
from cases.tokens import case_url


def _context(case: Case, *, language: str, **extra) -> dict:
    with translation.override(language):
        context = {
            "reference": case.reference,
            "kind": case.kind,
            "service_name": str(case.service_name),
            "status": case.status,
            "status_label": str(case.status_label),
            "next_steps": str(case.next_steps),
            "due_date": case.due_date.isoformat() if case.due_date else "",
            "case_url": case_url(case=case),
            # A guest's link is read-only: they answer by phone or e-mail instead.
            "is_guest": case.applicant_id is None,
            "guest_name": case.guest_name if case.applicant_id is None else "",
        }
    context.update(extra)
    return context


def _send_to_resident(case: Case, *, template_key: str, dedupe_key: str, **extra) -> list:
    from notifications.services import notification_send

    if case.applicant_id is not None:
        applicant = case.applicant
        context = _context(case, language=applicant.preferred_language, **extra)
        return notification_send(
            template_key=template_key,
            context=context,
            dedupe_key=dedupe_key,
            user=applicant,
            link_url=context["case_url"],
        )
    if case.guest_email or case.guest_phone:
        context = _context(case, language=case.language, **extra)
        return notification_send(
            template_key=template_key,
            context=context,
            dedupe_key=dedupe_key,
            email=case.guest_email,
            phone=str(case.guest_phone) if case.guest_phone else "",
            link_url=context["case_url"],
            language=case.language,
        )
    return []  # An anonymous case: nobody to tell.


def notify_submitted(case: Case) -> list:
    return _send_to_resident(
        case, template_key="cases/submitted", dedupe_key=f"cases:{case.pk}:submitted"
    )


def notify_status_changed(case: Case, *, event_id: int, public_note: str) -> list:
    return _send_to_resident(
        case,
        template_key="cases/status_changed",
        dedupe_key=f"cases:{case.pk}:event:{event_id}",
        note=public_note,
    )


def notify_message(case: Case, *, message_id: int, body: str) -> list:
    return _send_to_resident(
        case,
        template_key="cases/message",
        dedupe_key=f"cases:{case.pk}:message:{message_id}",
        message=body,
    )


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
        context = _context(case, language=person.preferred_language)
        context.update(case_url=link, assigned=case.assignee_id == person.pk)
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
