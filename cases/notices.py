"""The messages the case engine sends to residents and staff, through the notifications outbox.

Template keys (templates in templates/notifications/cases/<key>/):

``cases/submitted``       to the resident: we received your request (reference, next steps)
``cases/status_changed``  to the resident: a public status change, with the public note
``cases/message``         to the resident: staff wrote to you about your case
``cases/reply_received``  to the case's assignee: the resident replied

Every context carries the reference, the plain-language status and the absolute case link,
rendered in the recipient's language (a guest's is the language they applied in). Each send
has a dedupe key tied to the row that caused it, so repeating a call never sends twice.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

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


def notify_reply_received(case: Case, *, message_id: int) -> list:
    """Tell the assigned member of staff that the resident replied (nobody if unassigned)."""
    from notifications.services import notification_send

    if case.assignee_id is None:
        return []
    assignee = case.assignee
    context = _context(case, language=assignee.preferred_language)
    context["case_url"] = settings.SITE_URL + reverse("admin:cases_case_change", args=[case.pk])
    return notification_send(
        template_key="cases/reply_received",
        context=context,
        dedupe_key=f"cases:{case.pk}:reply:{message_id}",
        user=assignee,
        link_url=context["case_url"],
    )
