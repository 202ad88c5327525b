"""Who may book, move, cancel or record an inspection, and what refuses a booking: the
actor checks, the step that is next, the half-day asked for and the messages for a day the
booking rules do not allow."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases.models import Case
from permits.exceptions import InspectionRefused
from permits.inspection_rules import AM, PERIOD_HOURS, PERIODS, PM, change_deadline, may_change
from permits.models import Inspection, InspectionStatus, InspectionStep, Permit
from permits.selectors_inspections import booking_rules, next_step, passed_steps


def _is_applicant(permit: Permit, actor) -> bool:
    return actor is not None and actor.pk is not None and permit.case.applicant_id == actor.pk


def _is_staff_acting(permit: Permit, actor) -> bool:
    return permissions.is_active_staff(actor) and not _is_applicant(permit, actor)


def _require_staff(actor, case: Case) -> None:
    permissions.require(
        actor,
        permissions.MOVE,
        case,
        exception=InspectionRefused,
        message=_("Only the permit office may move or cancel inspections for the applicant."),
    )


def _choose_step(permit: Permit, step: InspectionStep | None) -> InspectionStep:
    target = next_step(permit)
    if target is None:
        raise InspectionRefused(_("Every required inspection has passed."), code="none_left")
    if step is None or step.pk == target.pk:
        return target
    if step.permit_type_id != permit.permit_type_id:
        raise InspectionRefused(_("This inspection is not one this permit needs."), code="step")
    if step.pk in passed_steps(permit):
        raise InspectionRefused(
            _("The %(inspection)s inspection has passed already.") % {"inspection": step.name},
            code="step_passed",
        )
    raise InspectionRefused(
        _(
            "The %(earlier)s inspection has not passed yet. Book the %(earlier)s inspection "
            "first; %(inspection)s comes after it."
        )
        % {"earlier": target.name, "inspection": step.name},
        code="earlier_not_passed",
    )


def _day_message(code: str, day: datetime.date, rules) -> str:
    if code == "cutoff":
        return _(
            "Bookings for %(day)s closed at %(time)s on the working day before. Choose a later day."
        ) % {"day": day, "time": rules.cutoff.strftime("%H:%M")}
    if code == "too_far":
        return _(
            "%(day)s is too far ahead: inspections are booked up to %(count)s working days "
            "ahead. Choose an earlier day."
        ) % {"day": day, "count": rules.days_ahead}
    if code in ("closed", "weekend"):
        return _("Inspectors do not work on %(day)s. Choose a working day.") % {"day": day}
    return _("%(day)s has passed. Choose a day from tomorrow on.") % {"day": day}


def _when(period: str, starts_at: datetime.time | None) -> str:
    """The half-day asked for: the one `starts_at` falls in, or `period`. Raises
    InspectionRefused for neither a half-day nor a time inspectors work."""
    if starts_at is not None:
        period = PM if starts_at >= PERIOD_HOURS[PM][0] else AM
        opens, closes = PERIOD_HOURS[period]
        if not opens <= starts_at < closes:
            raise InspectionRefused(_("Choose one of the times on offer."), code="period")
    if period not in PERIODS:
        raise InspectionRefused(_("Choose the morning or the afternoon."), code="period")
    return period


def _check_change(permit, locked: Inspection, actor, now, *, doing: str) -> bool:
    """Who is changing the inspection, and may they now? Returns True for staff."""
    if locked.status != InspectionStatus.SCHEDULED:
        raise InspectionRefused(_("This inspection is no longer booked."), code="not_booked")
    if _is_staff_acting(permit, actor):
        _require_staff(actor, permit.case)
        return True
    if actor is not None and not _is_applicant(permit, actor):
        raise InspectionRefused(_("Only the permit's applicant may change its inspections."))
    rules = booking_rules()
    if not may_change(now, locked.day, rules):
        deadline = timezone.localtime(change_deadline(locked.day, rules, now.tzinfo))
        raise InspectionRefused(
            _(
                "Inspections can be %(doing)s until %(time)s on their day, and this one's "
                "deadline has passed. Call the permit office to change it."
            )
            % {"doing": doing, "time": deadline.strftime("%H:%M")},
            code="deadline",
        )
    return False


def _may_result(actor, inspection: Inspection, case: Case) -> bool:
    return permissions.is_active_staff(actor) and (
        inspection.inspector_id == actor.pk or permissions.can(actor, permissions.MOVE, case)
    )
