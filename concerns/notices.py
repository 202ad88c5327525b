"""Messages the concerns app sends through the notifications outbox.

Template keys (templates in templates/notifications/concerns/<key>/):

``concerns/update``       to each confirmed follower: the report's status changed (with the
                          public note); the workflow tells the case engine to send it
                          (concerns/workflow.py), for every public move
``concerns/closed``       to the reporter: why it was closed, "not fixed?" and "rate us" links
``concerns/merged``       to the followers of a duplicate and its reporter: now following the
                          original report instead
``concerns/follow_confirm`` to a new follower whose address nobody verified: the signed link
                          that confirms it, and the only message until it is opened

Followers are the case's participants in the follower role (cases/participants.py); the
case engine tells the reporter (``cases/status_changed``) and the confirmed followers
(``concerns/update``) of each public status change, as the workflow declares. Followers
are told only once confirmed (see services.report_follow).
Every send has a dedupe key tied to the event or follower that caused it, so
repeating a call never sends twice. Contexts are rendered in each recipient's language.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from cases.participants import CONFIRM_MAX_AGE, Participant, participants_of
from cases.participation import APPLICANT
from cases.tokens import case_guest_link, participant_confirm_token
from concerns.models import CloseReason, ConcernReport
from portal.localized import localized


def public_url(report: ConcernReport) -> str:
    return settings.SITE_URL + report.get_absolute_url()


def reporter_url(report: ConcernReport) -> str:
    """Where the reporter says "not fixed" or rates us: the public page when signed in, a
    signed link for a guest (it proves they made the report)."""
    case = report.case
    if case.applicant_id is not None:
        return public_url(report)
    return case_guest_link(case=case).url


def _context(report: ConcernReport, *, language: str, **extra) -> dict:
    case = report.case
    with translation.override(language):
        context = {
            "reference": case.reference,
            "category": localized(report.category, "name"),
            "status_label": str(case.status_label),
            "close_reason": report.close_reason,
            "close_reason_label": (
                str(CloseReason(report.close_reason).label) if report.close_reason else ""
            ),
            "public_reason": report.public_reason,
            "redirect_contact": report.redirect_contact,
            "scheduled_for": (
                date_format(report.scheduled_for, "DATE_FORMAT") if report.scheduled_for else ""
            ),
            "address": report.address,
            "report_url": public_url(report),
            "reopen_days": settings.CONCERNS_REOPEN_DAYS,
        }
    context.update(extra)
    return context


def report_context(*, case, language: str) -> dict:
    """What concerns' templates need beyond the case engine's context, for `case`'s report
    (nothing before the report is written): the workflow's `Participation.context`."""
    report = ConcernReport.objects.select_related("case", "category").filter(case=case).first()
    return _context(report, language=language) if report is not None else {}


def _send_to_participant(participant, report, *, template_key, dedupe_key, link="", **extra):
    from cases.notices import participant_send

    return participant_send(
        participant,
        report.case,
        template_key=template_key,
        dedupe_key=dedupe_key,
        link=link or public_url(report),
        **extra,
    )


def notify_reporter_closed(report: ConcernReport, *, event_id: int) -> list:
    """Tell the reporter why their report was closed and how to say it is not fixed."""
    reporter = participants_of(case=report.case, role=APPLICANT).first()
    if reporter is None:
        return []  # An anonymous report: nobody to tell.
    action_url = reporter_url(report)
    return _send_to_participant(
        reporter,
        report,
        template_key="concerns/closed",
        dedupe_key=f"concerns:{report.pk}:closed:{event_id}",
        link=action_url,
        action_url=action_url,
    )


def notify_merged(
    follower: Participant, *, duplicate: ConcernReport, original: ConcernReport
) -> list:
    """Tell a follower moved from `duplicate` that they now follow `original` (if confirmed)."""
    if follower.confirmed_at is None:
        return []
    return _send_to_participant(
        follower,
        original,
        template_key="concerns/merged",
        dedupe_key=f"concerns:{duplicate.pk}:merged:follower:{follower.pk}",
        duplicate_reference=duplicate.case.reference,
    )


def notify_follow_confirm(follower: Participant, report: ConcernReport) -> list:
    """Send a new follower the link that confirms their address (nothing else until then):
    the case engine's participant token, opening the report's own confirmation page."""
    token = participant_confirm_token(follower)
    path = reverse("concerns:follow_confirm", kwargs={"token": token})
    confirm_url = settings.SITE_URL + path
    return _send_to_participant(
        follower,
        report,
        template_key="concerns/follow_confirm",
        dedupe_key=f"concerns:{report.pk}:follow-confirm:{follower.pk}",
        confirm_url=confirm_url,
        confirm_days=CONFIRM_MAX_AGE.days,
    )
