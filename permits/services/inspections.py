"""Inspections: opening the inspectors' half-days, booking, moving and cancelling, results,
re-inspection fees and the final that finals the permit.

Every write locks the permit's case row first (the lock the case engine takes for moves), so
two people acting on one permit are applied one after the other; slot rows are locked after
it, several at once only in primary-key order, so two moves never wait on each other in a
cycle. The capacity itself is held by the database (see `permits.models.inspections`): a
seat is taken by one conditional UPDATE, and the CHECK on the slot refuses any overbooking.
"""

from __future__ import annotations

import datetime
import logging
import secrets

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases.models import Case
from cases.services import case_record_event, transition
from payments.services import LineItem, invoice_create
from permits import inspection_events as ev
from permits import workflow as wf
from permits.exceptions import BookingBlocked, InspectionRefused, SlotFull
from permits.inspection_rules import (
    AM,
    PERIODS,
    change_deadline,
    day_refusal,
    is_working_day,
    may_change,
    reminder_day,
)
from permits.models import (
    Inspection,
    InspectionPhoto,
    InspectionResult,
    InspectionSlot,
    InspectionStatus,
    InspectionStep,
    Permit,
)
from permits.models.inspections import RESULTS_WITH_REASON
from permits.selectors_inspections import (
    agency_now,
    booking_blockers,
    booking_rules,
    calendar_closed,
    next_step,
    passed_steps,
    permit_area,
    required_steps,
)

logger = logging.getLogger(__name__)

PURPOSE_REINSPECTION = "permits.reinspection_fee"

# Opening the inspectors' half-days from their weekly shifts: one statement for a range of
# days, skipping weekends and the closed days given, never touching a row that exists (staff
# may have lowered its capacity for a day off).
_OPEN_SLOTS_SQL = """
INSERT INTO permits_inspectionslot (inspector_id, day, period, area_id, capacity, booked)
SELECT s.inspector_id, d.day::date, s.period, s.area_id, s.capacity, 0
  FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS d(day)
  JOIN permits_inspectorshift AS s ON s.weekday = extract(isodow FROM d.day)::int - 1
 WHERE NOT (d.day::date = ANY(%(closed)s::date[]))
    ON CONFLICT (inspector_id, day, period) DO NOTHING
"""

_TAKE_SEAT_SQL = """
UPDATE permits_inspectionslot
   SET booked = booked + 1
 WHERE id = %s AND booked < capacity
RETURNING id
"""

_RELEASE_SEAT_SQL = "UPDATE permits_inspectionslot SET booked = booked - 1 WHERE id = %s"


def slots_open(*, start: datetime.date, end: datetime.date) -> int:
    """Make the inspectors' half-days from `start` to `end` from their weekly shifts, except
    on holidays; existing rows stay as they are. Returns how many were made. Safe to run
    twice, or in two processes at once."""
    closed = sorted(_closed_between(start, end))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_OPEN_SLOTS_SQL, {"start": start, "end": end, "closed": closed})
        return cursor.rowcount


def _closed_between(start: datetime.date, end: datetime.date):
    from cases.service_levels import closed_days

    return closed_days(start=start, end=end)


def slots_open_for_booking(*, now: datetime.datetime | None = None) -> int:
    """Open the half-days of every day an inspection may be booked for from now."""
    now = now or agency_now()
    rules = booking_rules()
    end = now.date() + datetime.timedelta(days=rules.days_ahead * 2 + 14)
    return slots_open(start=now.date() + datetime.timedelta(days=1), end=end)


def _lock_case(permit: Permit) -> Case:
    return Case.objects.select_for_update().get(pk=permit.case_id)


def _payload(inspection: Inspection, **extra) -> dict:
    return {
        "inspection": inspection.step.name,
        "inspection_es": inspection.step.name_es,
        "day_on": inspection.day.isoformat(),
        "period": inspection.period,
        **extra,
    }


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


def _seat_candidates(*, day, period, area, exclude_inspector=None) -> list[int]:
    from permits.selectors_inspections import slot_filter

    rows = InspectionSlot.objects.filter(slot_filter(area), day=day, period=period)
    if exclude_inspector is not None:
        rows = rows.exclude(inspector=exclude_inspector)
    # Fill the area's own inspectors first, then the least booked.
    return list(
        rows.order_by(F("area_id").asc(nulls_last=True), "booked", "id").values_list(
            "id", flat=True
        )
    )


def _take_seat(candidates: list[int]) -> InspectionSlot | None:
    """Take a place in the first of `candidates` (slot ids) with one left; None if none has.

    Each try is one conditional UPDATE: when several people want the last place, each waits
    on the row's lock and the condition is checked again on the row as the winner left it.
    """
    with connection.cursor() as cursor:
        for slot_id in candidates:
            cursor.execute(_TAKE_SEAT_SQL, [slot_id])
            if cursor.fetchone() is not None:
                return InspectionSlot.objects.get(pk=slot_id)
    return None


def _release_seat(slot_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_RELEASE_SEAT_SQL, [slot_id])


def _route_position(slot: InspectionSlot) -> int:
    last = Inspection.objects.filter(
        inspector_id=slot.inspector_id, day=slot.day, period=slot.period
    ).aggregate(last=Max("route_order"))["last"]
    return (last or 0) + 1


def _full_message(day: datetime.date, period: str) -> str:
    when = _("morning") if period == AM else _("afternoon")
    return _(
        "The %(period)s of %(day)s is now fully booked: someone took the last place. "
        "Choose another time; nothing was booked."
    ) % {"period": when, "day": day}


def inspection_book(
    *,
    permit: Permit,
    day: datetime.date,
    period: str,
    actor,
    step: InspectionStep | None = None,
    now: datetime.datetime | None = None,
) -> Inspection:
    """Book the permit's next required inspection (or `step`, which must be it) in the
    morning or afternoon of `day`, with an inspector of the property's area who has a place.

    `actor` is the applicant (account), None for a guest holding the permit's link, or staff
    booking for the applicant. Raises BookingBlocked (fee unpaid, permit expired or not
    issued, an inspection already booked), InspectionRefused (a day the rules do not allow,
    an inspection out of order) or SlotFull (no place left in that half-day); nothing is
    written then.
    """
    if period not in PERIODS:
        raise InspectionRefused(_("Choose the morning or the afternoon."), code="period")
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
        slot = _take_seat(_seat_candidates(day=day, period=period, area=permit_area(permit)))
        if slot is None:
            raise SlotFull(_full_message(day, period), code="full")
        inspection = Inspection.objects.create(
            permit=permit,
            step=chosen,
            slot=slot,
            inspector_id=slot.inspector_id,
            day=day,
            period=period,
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


def _lock_inspection(inspection: Inspection) -> Inspection:
    return (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("step")
        .get(pk=inspection.pk)
    )


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
        _release_seat(locked.slot_id)
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
    period: str,
    actor,
    inspector=None,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Inspection:
    """Move a booked inspection to the morning or afternoon of `day`.

    The applicant moves it until the change deadline of its current day, to a day the
    booking rules allow; staff move it at any time to any working day from tomorrow (with a
    reason, and optionally to a given `inspector`), and the applicant is told at once. The
    new place is taken before the old one is freed, within capacity as any booking. Raises
    InspectionRefused or SlotFull, changing nothing.
    """
    if period not in PERIODS:
        raise InspectionRefused(_("Choose the morning or the afternoon."), code="period")
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
        if (day, period) == (locked.day, locked.period) and inspector in (None, locked.inspector):
            raise InspectionRefused(_("The inspection is booked for that time already."))
        area = permit_area(permit)
        if inspector is not None:
            candidates = list(
                InspectionSlot.objects.filter(
                    inspector=inspector, day=day, period=period
                ).values_list("id", flat=True)
            )
        else:
            candidates = _seat_candidates(day=day, period=period, area=area)
        candidates = [slot_id for slot_id in candidates if slot_id != locked.slot_id]
        # Lock the old slot and every candidate in primary-key order (no cycles between two
        # moves in opposite directions), then take the new place and free the old one.
        list(
            InspectionSlot.objects.select_for_update()
            .filter(pk__in=[*candidates, locked.slot_id])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        slot = _take_seat(candidates)
        if slot is None:
            raise SlotFull(_full_message(day, period), code="full")
        _release_seat(locked.slot_id)
        locked.slot = slot
        locked.inspector_id = slot.inspector_id
        locked.day = day
        locked.period = period
        locked.route_order = _route_position(slot)
        locked.remind_on = reminder_day(day, closed)
        locked.save(
            update_fields=[
                "slot",
                "inspector",
                "day",
                "period",
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


def _may_result(actor, inspection: Inspection, case: Case) -> bool:
    return permissions.is_active_staff(actor) and (
        inspection.inspector_id == actor.pk or permissions.can(actor, permissions.MOVE, case)
    )


def _reinspection_fee(permit: Permit, locked: Inspection, case: Case):
    rule = getattr(permit.permit_type, "reinspection_fee", None)
    if rule is None:
        return None
    failures = permit.inspections.filter(result=InspectionResult.FAILED).count()
    if failures <= rule.free_failures:
        return None
    return invoice_create(
        purpose=PURPOSE_REINSPECTION,
        description=_("Re-inspection fee, permit %(number)s") % {"number": permit.permit_number},
        lines=[
            LineItem(
                _("Re-inspection fee: %(inspection)s") % {"inspection": locked.step.name},
                rule.fee_cents,
            )
        ],
        payer=case.applicant,
        guest_name=case.guest_name,
        guest_email=case.guest_email if case.applicant_id is None else "",
        subject=locked,
    )


def inspection_record_result(
    *,
    inspection: Inspection,
    actor,
    result: str,
    checklist: list | None = None,
    deficiencies: str = "",
    comments: str = "",
    photos=(),
    now: datetime.datetime | None = None,
) -> Inspection:
    """Record the inspector's result: passed, partly passed, failed or not done on site.

    Any result but passed must say why (deficiencies or comments). A pass, or a partial
    pass, restarts the permit's validity from today; a failure charges the type's
    re-inspection fee (after its free ones), which must be paid before the next booking; the
    final inspection passing finals the permit and, where the type gives one, issues the
    certificate of occupancy. `actor` is the inspection's inspector or staff who decide in the
    permit's department. Raises InspectionRefused, changing nothing.
    """
    now = now or agency_now()
    if result not in InspectionResult.values:
        raise InspectionRefused(_("Choose a result."), code="result")
    deficiencies = (deficiencies or "").strip()
    comments = (comments or "").strip()
    if result in RESULTS_WITH_REASON and not (deficiencies or comments):
        raise InspectionRefused(
            _("Say why: list the deficiencies or write a comment for this result."),
            code="reason",
        )
    permit = inspection.permit
    with transaction.atomic():
        case = _lock_case(permit)
        permit = Permit.objects.select_for_update().select_related("permit_type").get(pk=permit.pk)
        permit.case = case
        locked = _lock_inspection(inspection)
        if not _may_result(actor, locked, case):
            raise InspectionRefused(
                _("Only the inspection's inspector or the permit office may record its result."),
                code="forbidden",
            )
        if locked.status != InspectionStatus.SCHEDULED:
            raise InspectionRefused(_("This inspection's result is recorded already."), code="done")
        if locked.day > now.date():
            raise InspectionRefused(
                _("A result is recorded on or after the inspection's day."), code="early"
            )
        locked.status = InspectionStatus.DONE
        locked.result = result
        locked.checklist = list(checklist or [])
        locked.deficiencies = deficiencies
        locked.comments = comments
        locked.resulted_at = timezone.now()
        locked.resulted_by = actor
        locked.save()
        for upload in photos:
            _photo_add(locked, upload)
        if result == InspectionResult.FAILED:
            locked.fee_invoice = _reinspection_fee(permit, locked, case)
            if locked.fee_invoice is not None:
                locked.save(update_fields=["fee_invoice", "updated_at"])
        case_record_event(
            case=case,
            kind=ev.INSPECTION_RESULT,
            audience="public",
            payload=_payload(locked, result=result),
            actor=actor,
        )
        if result in (InspectionResult.PASSED, InspectionResult.PARTIAL):
            _restart_validity(permit)
        if result == InspectionResult.PASSED and locked.step.final:
            _final(permit, case, locked)
    return locked


def _restart_validity(permit: Permit) -> None:
    renewed = timezone.now() + datetime.timedelta(days=permit.permit_type.validity_days)
    if permit.expires_at is None or renewed > permit.expires_at:
        permit.expires_at = renewed
        permit.save(update_fields=["expires_at", "updated_at"])


def _final(permit: Permit, case: Case, inspection: Inspection) -> None:
    """The final inspection passed: every required inspection must have passed too."""
    missing = [step.name for step in required_steps(permit) if step.pk not in passed_steps(permit)]
    if missing:
        return  # an out-of-order final (staff's booking): the permit finals with the last pass
    from permits.services.issuance import certificate_issue

    permit.finaled_at = timezone.now()
    permit.save(update_fields=["finaled_at", "updated_at"])
    transition(case=case, to_status=wf.FINALED, actor=None)
    if permit.permit_type.gives_certificate_of_occupancy:
        certificate_issue(permit=permit, inspection=inspection)


# Photos larger than this are refused before decoding (a phone's photo is 2 to 6 MB).
MAX_PHOTO_BYTES = 15 * 1024 * 1024


def _photo_add(inspection: Inspection, upload) -> InspectionPhoto:
    from cases.images import JPEG_FORMATS, ImageRefused, image_decode, image_encode

    if getattr(upload, "size", 0) > MAX_PHOTO_BYTES:
        raise InspectionRefused(_("A photo is larger than 15 MB."), code="photo")
    try:
        decoded = image_decode(upload, formats=frozenset({*JPEG_FORMATS, "PNG", "WEBP", "HEIF"}))
        data = image_encode(decoded.image, image_format="JPEG")
    except ImageRefused as refused:
        raise InspectionRefused(
            _("A photo is not an image we can read."), code="photo"
        ) from refused
    photo = InspectionPhoto(inspection=inspection, token=secrets.token_hex(8))
    photo.image.save("photo.jpg", ContentFile(data), save=False)
    photo.save()
    return photo


def inspections_route_order(*, inspector, day: datetime.date, order: list[int], actor) -> None:
    """Set the order of the inspector's `day` (inspection ids, first to last)."""
    if not (
        permissions.is_active_staff(actor) and (actor.pk == inspector.pk or actor.is_superuser)
    ):
        raise InspectionRefused(_("Only the inspector orders their own route."), code="forbidden")
    with transaction.atomic():
        rows = {
            row.pk: row
            for row in Inspection.objects.select_for_update().filter(
                inspector=inspector, day=day, pk__in=order
            )
        }
        for position, pk in enumerate(order, start=1):
            if pk in rows:
                rows[pk].route_order = position
                rows[pk].save(update_fields=["route_order", "updated_at"])


__all__ = [
    "PURPOSE_REINSPECTION",
    "inspection_book",
    "inspection_cancel",
    "inspection_record_result",
    "inspection_reschedule",
    "inspections_route_order",
    "slots_open",
    "slots_open_for_booking",
]
