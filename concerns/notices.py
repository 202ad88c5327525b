"""Messages the concerns app sends through the notifications outbox.

Template keys (templates in templates/notifications/concerns/<key>/):

``concerns/update``       to each follower: the report's status changed (with the public note)
``concerns/closed``       to the reporter: why it was closed, "not fixed?" and "rate us" links
``concerns/merged``       to the followers of a duplicate and its reporter: now following the
                          original report instead
``concerns/follow_confirm`` to a new follower whose address nobody verified: the signed link
                          that confirms it, and the only message until it is opened

The case engine's own ``cases/status_changed`` already tells the reporter about each public
status change. Followers are told only once confirmed (see services.report_follow).
Every send has a dedupe key tied to the event or follower that caused it, so
repeating a call never sends twice. Contexts are rendered in each recipient's language.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from cases.tokens import case_guest_link
from concerns.models import CloseReason, ConcernFollower, ConcernReport
from concerns.tokens import FOLLOW_CONFIRM_MAX_AGE, follow_confirm_token
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


def _send_to_follower(follower: ConcernFollower, report, *, template_key, dedupe_key, **extra):
    from notifications.services import notification_send

    if follower.user_id is not None:
        user = follower.user
        context = _context(report, language=user.preferred_language, **extra)
        return notification_send(
            template_key=template_key,
            context=context,
            dedupe_key=dedupe_key,
            user=user,
            link_url=context["report_url"],
        )
    context = _context(report, language=follower.language, **extra)
    return notification_send(
        template_key=template_key,
        context=context,
        dedupe_key=dedupe_key,
        email=follower.email,
        phone=str(follower.phone) if follower.phone else "",
        link_url=context["report_url"],
        language=follower.language,
    )


def notify_followers_update(report: ConcernReport, *, event_id: int, note: str) -> int:
    """Tell every confirmed follower of `report` about a status change; return how many were
    told."""
    followers = report.followers.filter(confirmed_at__isnull=False).select_related("user")
    for follower in followers:
        _send_to_follower(
            follower,
            report,
            template_key="concerns/update",
            dedupe_key=f"concerns:{report.pk}:event:{event_id}:follower:{follower.pk}",
            note=note,
        )
    return len(followers)


def notify_reporter_closed(report: ConcernReport, *, event_id: int) -> list:
    """Tell the reporter why their report was closed and how to say it is not fixed."""
    from notifications.services import notification_send

    case = report.case
    dedupe_key = f"concerns:{report.pk}:closed:{event_id}"
    if case.applicant_id is not None:
        user = case.applicant
        context = _context(report, language=user.preferred_language, action_url=public_url(report))
        return notification_send(
            template_key="concerns/closed",
            context=context,
            dedupe_key=dedupe_key,
            user=user,
            link_url=context["action_url"],
        )
    if case.guest_email or case.guest_phone:
        context = _context(report, language=case.language, action_url=reporter_url(report))
        return notification_send(
            template_key="concerns/closed",
            context=context,
            dedupe_key=dedupe_key,
            email=case.guest_email,
            phone=str(case.guest_phone) if case.guest_phone else "",
            link_url=context["action_url"],
            language=case.language,
        )
    return []


def notify_merged(
    follower: ConcernFollower, *, duplicate: ConcernReport, original: ConcernReport
) -> list:
    """Tell a follower moved from `duplicate` that they now follow `original` (if confirmed)."""
    if follower.confirmed_at is None:
        return []
    return _send_to_follower(
        follower,
        original,
        template_key="concerns/merged",
        dedupe_key=f"concerns:{duplicate.pk}:merged:follower:{follower.pk}",
        duplicate_reference=duplicate.case.reference,
    )


def notify_follow_confirm(follower: ConcernFollower, report: ConcernReport) -> list:
    """Send a new follower the link that confirms their address (nothing else until then)."""
    path = reverse("concerns:follow_confirm", kwargs={"token": follow_confirm_token(follower)})
    confirm_url = settings.SITE_URL + path
    return _send_to_follower(
        follower,
        report,
        template_key="concerns/follow_confirm",
        dedupe_key=f"concerns:{report.pk}:follow-confirm:{follower.pk}",
        confirm_url=confirm_url,
        confirm_days=FOLLOW_CONFIRM_MAX_AGE.days,
    )
