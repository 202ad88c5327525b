"""Staff's writes on reports: start work, route, close with a public reason, merge a
duplicate into its original, reopen.

Each checks that the actor's staff role allows it on the report's case (cases/permissions.py),
then moves the case
through the case engine's transition service as the system (see concerns/workflow.py for
why) and records the member of staff on the internal timeline. Followers are told of every
public move in the same transaction.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases.exceptions import ActionForbidden, TransitionNotAllowed
from cases.models import Case, CaseStatus, Department
from cases.participants import (
    Participant,
    participants_copy,
    participants_of,
    participants_remove,
)
from cases.participation import FOLLOWER
from cases.services import case_add_note, transition
from concerns import notices
from concerns.models import CloseReason, ConcernPhoto, ConcernReport
from concerns.validators import clean_text

PUBLIC_REASON_MAX_LENGTH = 2000


def _require(actor, action: str, case: Case, *, doing: str) -> None:
    permissions.require(
        actor,
        action,
        case,
        exception=ActionForbidden,
        message=f"Only staff whose role allows it can {doing}.",
    )


def _lock(report: ConcernReport) -> ConcernReport:
    return (
        ConcernReport.objects.select_for_update(of=("self", "case"), no_key=True)
        .select_related("case", "category")
        .get(pk=report.pk)
    )


def _move(locked: ConcernReport, *, to_status: str, actor, public_note: str, note: str):
    """Transition the report's case as `actor`, with staff's note; the case engine tells the
    reporter and the followers (concerns/workflow.py)."""
    event = transition(case=locked.case, to_status=to_status, actor=actor, public_note=public_note)
    case_add_note(case=locked.case, author=actor, body=note)
    return event


def report_start_work(*, report: ConcernReport, actor, public_note: str = "") -> ConcernReport:
    """Move a new or reopened report to "being dealt with"."""
    _require(actor, permissions.MOVE, report.case, doing="start work on reports")
    public_note = clean_text(public_note, label=_("note"), max_length=PUBLIC_REASON_MAX_LENGTH)
    with transaction.atomic():
        locked = _lock(report)
        _move(
            locked,
            to_status=CaseStatus.IN_PROGRESS,
            actor=actor,
            public_note=public_note,
            note=_("Work started by %(name)s.") % {"name": actor},
        )
    report.case.refresh_from_db()
    return report


def report_close(
    *,
    report: ConcernReport,
    actor,
    reason: str,
    public_reason: str,
    redirect_contact: str = "",
    scheduled_for: datetime.date | None = None,
    duplicate_of: ConcernReport | None = None,
) -> ConcernReport:
    """Close `report` with a reason the public sees, and tell the reporter and followers.

    `reason` is a CloseReason. "not_responsible" needs `redirect_contact` (who to contact
    instead), "scheduled" needs a future `scheduled_for`, "duplicate" goes through
    `report_mark_duplicate`. Raises ValidationError for a missing or invalid detail,
    ActionForbidden for non-staff, TransitionNotAllowed if the report is already closed.
    """
    _require(actor, permissions.MOVE, report.case, doing="close reports")
    if reason == CloseReason.DUPLICATE and duplicate_of is None:
        raise ValidationError(
            {"duplicate_of": _("Give the reference of the original report.")}, code="required"
        )
    if reason not in CloseReason.values:
        raise ValidationError({"reason": _("Choose why the report is closed.")}, code="invalid")
    errors = {}
    try:
        public_reason = clean_text(
            public_reason,
            label=_("the explanation for the public"),
            max_length=PUBLIC_REASON_MAX_LENGTH,
            required=True,
        )
    except ValidationError as error:
        errors["public_reason"] = error.error_list
    if reason == CloseReason.NOT_RESPONSIBLE:
        try:
            redirect_contact = clean_text(
                redirect_contact,
                label=_("who to contact instead"),
                max_length=300,
                required=True,
            )
        except ValidationError as error:
            errors["redirect_contact"] = error.error_list
    else:
        redirect_contact = ""
    if reason == CloseReason.SCHEDULED:
        if scheduled_for is None:
            errors["scheduled_for"] = [ValidationError(_("Enter the date it is scheduled for."))]
        elif scheduled_for <= timezone.localdate():
            errors["scheduled_for"] = [ValidationError(_("The date must be in the future."))]
    else:
        scheduled_for = None
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        locked = _lock(report)
        if locked.case.closed_at is not None:
            raise TransitionNotAllowed("This report is already closed.")
        locked.close_reason = reason
        locked.public_reason = public_reason
        locked.redirect_contact = redirect_contact
        locked.scheduled_for = scheduled_for
        locked.duplicate_of = duplicate_of if reason == CloseReason.DUPLICATE else None
        locked.save(
            update_fields=[
                "close_reason",
                "public_reason",
                "redirect_contact",
                "scheduled_for",
                "duplicate_of",
            ]
        )
        event = _move(
            locked,
            to_status=CaseStatus.CLOSED,
            actor=actor,
            public_note=public_reason,
            note=_("Closed by %(name)s: %(reason)s.")
            % {"name": actor, "reason": CloseReason(reason).label},
        )
        notices.notify_reporter_closed(locked, event_id=event.pk)
    report.refresh_from_db()
    return report


def report_mark_duplicate(
    *, report: ConcernReport, original: ConcernReport, actor, public_reason: str = ""
) -> ConcernReport:
    """Close `report` as a duplicate of `original`; its followers (and its reporter) follow
    the original from now on and are told so.

    A duplicate of a duplicate is attached to the first original. Raises ValidationError
    if `original` is `report` itself, ActionForbidden for non-staff, TransitionNotAllowed if
    `report` is closed already.
    """
    _require(actor, permissions.MOVE, report.case, doing="merge duplicate reports")
    while original.duplicate_of_id is not None:
        original = original.duplicate_of
    if original.pk == report.pk:
        raise ValidationError(
            {"duplicate_of": _("A report cannot be a duplicate of itself.")}, code="self"
        )
    if not (public_reason or "").strip():
        public_reason = _(
            "This problem was already reported as %(reference)s. Follow that report for updates."
        ) % {"reference": original.case.reference}
    with transaction.atomic():
        # Both rows locked in primary-key order, so two merges at once cannot deadlock.
        locked = {
            row.pk: row
            for row in ConcernReport.objects.select_for_update(no_key=True)
            .select_related("case")
            .filter(pk__in=[report.pk, original.pk])
            .order_by("pk")
        }
        target = locked[original.pk]
        moved = _followers_move(source=locked[report.pk], target=target)
        report_close(
            report=report,
            actor=actor,
            reason=CloseReason.DUPLICATE,
            public_reason=public_reason,
            duplicate_of=target,
        )
        for follower in moved:
            notices.notify_merged(follower, duplicate=report, original=target)
    report.refresh_from_db()
    return report


def _followers_move(*, source: ConcernReport, target: ConcernReport) -> list[Participant]:
    """Give `target` the followers of `source` (and its reporter); return the new rows."""
    people = [
        follower
        for follower in participants_of(case=source.case, role=FOLLOWER)
        if follower.user_id is None or follower.user_id != target.case.applicant_id
    ]
    case = source.case
    now = timezone.now()
    if case.applicant_id is not None and case.applicant_id != target.case.applicant_id:
        people.append(
            Participant(role=FOLLOWER, user_id=case.applicant_id, created_at=now, confirmed_at=now)
        )
    elif case.applicant_id is None and (case.guest_email or case.guest_phone):
        people.append(
            Participant(
                role=FOLLOWER,
                email=case.guest_email,
                phone=case.guest_phone,
                language=case.language,
                created_at=now,
                # The reporter, already told about their own report: not a new address.
                confirmed_at=now,
            )
        )
    # Someone already following the original keeps their row (ON CONFLICT DO NOTHING).
    moved = participants_copy(case=target.case, people=people)
    participants_remove(case=source.case, role=FOLLOWER)
    return moved


def report_reopen(*, report: ConcernReport, actor, note: str) -> ConcernReport:
    """Staff reopen a closed report (e.g. closed by mistake); the note is public."""
    _require(actor, permissions.MOVE, report.case, doing="reopen reports")
    note = clean_text(
        note, label=_("why it is reopened"), max_length=PUBLIC_REASON_MAX_LENGTH, required=True
    )
    with transaction.atomic():
        locked = _lock(report)
        locked.close_reason = ""
        locked.public_reason = ""
        locked.redirect_contact = ""
        locked.scheduled_for = None
        locked.duplicate_of = None
        locked.save(
            update_fields=[
                "close_reason",
                "public_reason",
                "redirect_contact",
                "scheduled_for",
                "duplicate_of",
            ]
        )
        _move(
            locked,
            to_status=CaseStatus.REOPENED,
            actor=actor,
            public_note=note,
            note=_("Reopened by %(name)s.") % {"name": actor},
        )
    report.refresh_from_db()
    return report


def report_route(*, report: ConcernReport, department: Department | None, actor) -> ConcernReport:
    """Send the report to another department (internal; the public sees no change)."""
    _require(actor, permissions.ASSIGN, report.case, doing="route reports")
    with transaction.atomic():
        case = Case.objects.select_for_update(no_key=True).get(pk=report.case_id)
        if case.department_id == (department.pk if department else None):
            return report
        # The case engine has no routing service; the department is not a status, and the
        # change is recorded on the timeline right here.
        case.department = department
        case.save(update_fields=["department", "updated_at"])
        case_add_note(
            case=case,
            author=actor,
            body=_("Routed to %(department)s by %(name)s.")
            % {"department": department or _("no department"), "name": actor},
        )
    report.case.refresh_from_db()
    return report


def photo_set_public(*, photo: ConcernPhoto, public: bool, actor) -> ConcernPhoto:
    """Show or hide a photo on the public page and in the API (a face, a number plate...).

    Hiding writes an internal note; doing what is already done changes nothing.
    """
    _require(actor, permissions.MOVE, photo.report.case, doing="hide or show photos")
    with transaction.atomic():
        changed = (
            ConcernPhoto.objects.filter(pk=photo.pk).exclude(public=public).update(public=public)
        )
        if changed:
            case = Case.objects.get(pk=photo.report.case_id)
            message = (
                _("Photo %(number)d shown to the public again by %(name)s.")
                if public
                else _("Photo %(number)d hidden from the public by %(name)s.")
            )
            case_add_note(
                case=case, author=actor, body=message % {"number": photo.position, "name": actor}
            )
    photo.public = public
    return photo
