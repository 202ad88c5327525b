"""Booking, moving and cancelling inspections.

Every write locks the permit's case row first (the lock the case engine takes for moves), so
two people acting on one permit are applied one after the other; slot rows are locked after
it, several at once only in primary-key order, so two moves never wait on each other in a
cycle. The capacity itself is held by the database (see `permits.models.inspections`): a
seat is taken by one conditional UPDATE, and the CHECK on the slot refuses any overbooking.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.services import case_record_event, transition
from permits import inspection_events as ev
from permits import workflow as wf
from permits.exceptions import BookingBlocked, InspectionRefused, SlotFull
from permits.inspection_rules import AM, day_refusal, is_working_day, reminder_day
from permits.models import Inspection, InspectionSlot, InspectionStatus, InspectionStep, Permit
from permits.selectors_inspections import (
    agency_now,
    booking_blockers,
    booking_rules,
    calendar_closed,
    permit_area,
)
from permits.services.inspection_slots import (
    seat_candidates,
    seat_take,
    seats_release,
    seats_take_timed,
)
from permits.services.inspections.access import (
    _check_change,
    _choose_step,
    _day_message,
    _is_applicant,
    _is_staff_acting,
    _when,
)
from permits.services.inspections.common import _lock_case, _lock_inspection, _payload

logger = logging.getLogger(__name__)


def _route_position(slot: InspectionSlot) -> int:
    last = Inspection.objects.filter(
        inspector_id=slot.inspector_id, day=slot.day, period=slot.period
    ).aggregate(last=Max("route_order"))["last"]
    return (last or 0) + 1


def _full_message(day: datetime.date, period: str, starts_at=None) -> str:
    if starts_at is not None:
        return _(
            "%(time)s on %(day)s is now booked: someone took it first. Choose another time; "
            "nothing was changed."
        ) % {"time": starts_at.strftime("%H:%M"), "day": day}
    when = _("morning") if period == AM else _("afternoon")
    return _(
        "The %(period)s of %(day)s is now fully booked: someone took the last place. "
        "Choose another time; nothing was changed."
    ) % {"period": when, "day": day}


def _no_time_taken(
    why: str, step, day, period, starts_at, minutes, *, staff: bool = False
) -> InspectionRefused:
    """Why nothing was taken at `starts_at` (`seats_take_timed`'s answer): the inspection's
    length runs past every inspector's working time from there ("too_long"), the time is not
    one offered ("not_offered"; for `staff`, who may place at any quarter hour, no quarter
    hour of an inspector's working time at exact times), or the quarter hours it needs are
    taken ("full")."""
    if why == "too_long":
        return InspectionRefused(
            _(
                "This inspection takes %(minutes)s minutes: from %(time)s on %(day)s it would "
                "run past the end of the inspector's working time. Choose an earlier time; "
                "nothing was changed."
            )
            % {"minutes": minutes, "time": starts_at.strftime("%H:%M"), "day": day},
            code="too_long",
        )
    if why == "not_offered" and staff:
        return SlotFull(
            _(
                "%(time)s on %(day)s is not a quarter hour of an inspector's working time at "
                "exact times: choose one on the hour or at a quarter past, half past or a "
                "quarter to, within the working time; nothing was changed."
            )
            % {"time": starts_at.strftime("%H:%M"), "day": day},
            code="not_offered",
        )
    if why == "not_offered":
        return SlotFull(
            _(
                "%(time)s on %(day)s is not a time inspections start at: choose one of the "
                "times offered (the inspector's own times, or right after another "
                "inspection); nothing was changed."
            )
            % {"time": starts_at.strftime("%H:%M"), "day": day},
            code="not_offered",
        )
    return SlotFull(_full_message(day, period, starts_at), code="full")


def _length(candidates, step) -> int | None:
    """The minutes the inspection takes, for the refusal: its own, or the first candidate's
    shift's."""
    if step.minutes:
        return step.minutes
    row = InspectionSlot.objects.filter(pk__in=candidates).first()
    return row.shift_minutes if row is not None else None


def inspection_book(
    *,
    permit: Permit,
    day: datetime.date,
    period: str = "",
    actor,
    starts_at: datetime.time | None = None,
    step: InspectionStep | None = None,
    now: datetime.datetime | None = None,
) -> Inspection:
    """Book the permit's next required inspection (or `step`, which must be it) in the
    morning or afternoon of `day`, or at the exact time `starts_at` of it where inspectors'
    shifts offer exact times, with an inspector of the property's area who has a place.

    `actor` is the applicant (account), None for a guest holding the permit's link, or staff
    booking for the applicant. Raises BookingBlocked (fee unpaid, permit expired or not
    issued, an inspection already booked), InspectionRefused (a day the rules do not allow,
    an inspection out of order) or SlotFull (no place left in that half-day or at that
    time); nothing is written then.
    """
    period = _when(period, starts_at)
    now = now or agency_now()
    rules = booking_rules()
    with transaction.atomic():
        case = _lock_case(permit)
        permit.case = case
        staff = _is_staff_acting(permit, actor)
        if actor is not None and not staff and not _is_applicant(permit, actor):
            raise InspectionRefused(_("Only the permit's applicant may book its inspections."))
        blockers = booking_blockers(permit=permit, now=now)
        if blockers:
            raise BookingBlocked(str(blockers[0]), code=blockers[0].code, blockers=blockers)
        chosen = _choose_step(permit, step)
        closed = calendar_closed(now, rules)
        refusal = day_refusal(day, now, rules, closed)
        if refusal and not (staff and refusal == "cutoff"):
            raise InspectionRefused(_day_message(refusal, day, rules), code=refusal)
        candidates = seat_candidates(
            day=day, period=period, area=permit_area(permit), starts_at=starts_at
        )
        span = None
        if starts_at is None:
            slot = seat_take(candidates)
        else:
            taken = seats_take_timed(candidates, minutes=chosen.minutes, any_start=staff)
            if isinstance(taken, str):
                minutes = _length(candidates, chosen)
                raise _no_time_taken(taken, chosen, day, period, starts_at, minutes, staff=staff)
            slot, span = taken
        if slot is None:
            raise SlotFull(_full_message(day, period, starts_at), code="full")
        inspection = Inspection.objects.create(
            permit=permit,
            step=chosen,
            slot=slot,
            inspector_id=slot.inspector_id,
            day=day,
            period=period,
            starts_at=starts_at,
            span=span,
            route_order=_route_position(slot),
            remind_on=reminder_day(day, closed),
            booked_by=actor,
        )
        if case.status == wf.ISSUED:
            transition(case=case, to_status=wf.INSPECTIONS, actor=actor)
        case_record_event(
            case=case,
            kind=ev.INSPECTION_BOOKED,
            audience=ev.PARTICIPANTS,
            payload=_payload(inspection),
            actor=actor,
        )
    logger.info("Inspection %s booked on permit %s", inspection.pk, permit.pk)
    return inspection


def inspection_cancel(
    *, inspection: Inspection, actor, reason: str = "", now: datetime.datetime | None = None
) -> Inspection:
    """Cancel a booked inspection and free its place.

    The applicant (or a guest with the permit's link, `actor=None`) cancels until the
    agency's deadline on the day; staff cancel at any time, with a reason, and the applicant
    is told at once. Raises InspectionRefused.
    """
    now = now or agency_now()
    reason = (reason or "").strip()
    permit = inspection.permit
    with transaction.atomic():
        case = _lock_case(permit)
        permit.case = case
        locked = _lock_inspection(inspection)
        staff = _check_change(permit, locked, actor, now, doing=_("cancelled"))
        if staff and not reason:
            raise InspectionRefused(_("Say why the inspection is cancelled."), code="reason")
        seats_release(locked)
        locked.status = InspectionStatus.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.cancel_reason = reason
        locked.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        case_record_event(
            case=case,
            kind=ev.INSPECTION_CANCELLED,
            audience=ev.PARTICIPANTS,
            payload=_payload(locked, by_staff=staff, reason=reason),
            actor=actor,
        )
    return locked


def inspection_reschedule(
    *,
    inspection: Inspection,
    day: datetime.date,
    period: str = "",
    actor,
    starts_at: datetime.time | None = None,
    inspector=None,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Inspection:
    """Move a booked inspection to the morning or afternoon of `day`, or to its exact time
    `starts_at`.

    The applicant moves it until the change deadline of its current day, to a day the
    booking rules allow; staff move it at any time to any working day from tomorrow (with a
    reason, and optionally to a given `inspector`), and the applicant is told at once. The
    new place is taken before the old one is freed, within capacity as any booking. Raises
    InspectionRefused or SlotFull, changing nothing.
    """
    period = _when(period, starts_at)
    now = now or agency_now()
    rules = booking_rules()
    reason = (reason or "").strip()
    permit = inspection.permit
    with transaction.atomic():
        case = _lock_case(permit)
        permit.case = case
        locked = _lock_inspection(inspection)
        staff = _check_change(permit, locked, actor, now, doing=_("moved"))
        closed = calendar_closed(now, rules)
        if staff:
            if not reason:
                raise InspectionRefused(_("Say why the inspection is moved."), code="reason")
            if day <= now.date() or not is_working_day(day, closed):
                raise InspectionRefused(_day_message("closed", day, rules), code="closed")
        else:
            refusal = day_refusal(day, now, rules, closed)
            if refusal:
                raise InspectionRefused(_day_message(refusal, day, rules), code=refusal)
        if (day, period, starts_at) == (locked.day, locked.period, locked.starts_at) and (
            inspector in (None, locked.inspector)
        ):
            raise InspectionRefused(_("The inspection is booked for that time already."))
        area = permit_area(permit)
        if inspector is not None:
            candidates = list(
                InspectionSlot.objects.filter(
                    inspector=inspector, day=day, period=period, starts_at=starts_at
                ).values_list("id", flat=True)
            )
        else:
            candidates = seat_candidates(day=day, period=period, area=area, starts_at=starts_at)
        span = None
        if starts_at is not None:
            # Frees the old times first (they may overlap the new ones); a refusal below
            # rolls that back with the rest.
            taken = seats_take_timed(
                candidates, minutes=locked.step.minutes, moving=locked, any_start=staff
            )
            if isinstance(taken, str):
                minutes = _length(candidates, locked.step)
                raise _no_time_taken(
                    taken, locked.step, day, period, starts_at, minutes, staff=staff
                )
            slot, span = taken
        else:
            candidates = [slot_id for slot_id in candidates if slot_id != locked.slot_id]
            # Lock the old slot and every candidate in primary-key order (no cycles between
            # two moves in opposite directions), then take the new place and free the old.
            list(
                InspectionSlot.objects.select_for_update()
                .filter(pk__in=[*candidates, locked.slot_id])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            slot = seat_take(candidates)
            if slot is not None:
                seats_release(locked)
        if slot is None:
            raise SlotFull(_full_message(day, period, starts_at), code="full")
        locked.slot = slot
        locked.span = span
        locked.inspector_id = slot.inspector_id
        locked.day = day
        locked.period = period
        locked.starts_at = starts_at
        locked.route_order = _route_position(slot)
        locked.remind_on = reminder_day(day, closed)
        locked.save(
            update_fields=[
                "slot",
                "inspector",
                "day",
                "period",
                "starts_at",
                "span",
                "route_order",
                "remind_on",
                "updated_at",
            ]
        )
        case_record_event(
            case=case,
            kind=ev.INSPECTION_MOVED,
            audience=ev.PARTICIPANTS,
            payload=_payload(locked, by_staff=staff, reason=reason),
            actor=actor,
        )
    return locked
