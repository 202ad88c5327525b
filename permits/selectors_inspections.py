"""Reads about permits' inspections: the rules in force, what blocks a booking and why, the
half-days with an inspector free, the next required inspection, an inspector's route.

Whoever calls these has already reached the permit through a scoped read (the applicant's
own permit, a guest link, staff's scope); the inspector's route is filtered by the inspector.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases.areas.locating import area_now
from cases.areas.models import Area
from cases.events import money
from cases.models import StaffRole, SubmissionKey
from cases.service_levels import closed_days
from payments.models import Invoice, InvoiceStatus
from permits import workflow as wf
from permits.inspection_rules import BookingRules, bookable_days, offered_start, time_run
from permits.models import (
    Inspection,
    InspectionPhoto,
    InspectionResult,
    InspectionRules,
    InspectionSlot,
    InspectionStatus,
    InspectionStep,
    Permit,
)

UNPAID = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


def booking_rules() -> BookingRules:
    """The agency's booking rules: its row in the admin, or the defaults."""
    row = InspectionRules.objects.first()
    return row.as_rules() if row else BookingRules()


def agency_now() -> datetime.datetime:
    """This instant in the agency's time zone (what the booking rules compare with)."""
    return timezone.localtime()


def calendar_closed(now: datetime.datetime, rules: BookingRules) -> frozenset[datetime.date]:
    """The holidays from a week before today to past the last bookable day (one query)."""
    start = now.date() - datetime.timedelta(days=7)
    return closed_days(
        start=start, end=now.date() + datetime.timedelta(days=rules.days_ahead * 2 + 14)
    )


def permit_area(permit: Permit) -> Area | None:
    """The agency's area the permit's property lies in (by the ZIP code ending its address,
    as the workflow's location says), as the areas are now."""
    return area_now(permit.case)


def slot_filter(area: Area | None) -> Q:
    """The inspectors' half-days that serve a property in `area`: those of the area and those
    that cover the whole jurisdiction (only those for a property in no area: an inspector
    given an area works there)."""
    if area is None:
        return Q(area__isnull=True)
    return Q(area=area) | Q(area__isnull=True)


def passed_steps(permit: Permit) -> set[int]:
    return set(
        permit.inspections.filter(result=InspectionResult.PASSED).values_list("step_id", flat=True)
    )


def required_steps(permit: Permit) -> list[InspectionStep]:
    return list(InspectionStep.objects.filter(permit_type_id=permit.permit_type_id))


def next_step(permit: Permit) -> InspectionStep | None:
    """The first required inspection, in the type's order, that has not passed."""
    passed = passed_steps(permit)
    return next((step for step in required_steps(permit) if step.pk not in passed), None)


def booked_inspection(permit: Permit) -> Inspection | None:
    return (
        permit.inspections.filter(status=InspectionStatus.SCHEDULED)
        .select_related("step", "inspector")
        .first()
    )


def unpaid_invoices(permit: Permit) -> list[Invoice]:
    """The permit's fees not paid yet: its permit fee and its re-inspection fees."""
    return list(
        Invoice.objects.filter(status__in=UNPAID)
        .filter(Q(permit_issuance__permit=permit) | Q(permit_inspection__permit=permit))
        .order_by("created_at")
    )


@dataclass(frozen=True)
class Blocker:
    """Why nothing can be booked now (`reason`) and what to do about it (`action`)."""

    code: str
    reason: str
    action: str
    invoice: Invoice | None = None

    def __str__(self) -> str:
        return f"{self.reason} {self.action}"


def permit_expired(permit: Permit, now: datetime.datetime) -> bool:
    return permit.case.status == wf.EXPIRED or (
        permit.case.status in wf.IN_FORCE
        and permit.expires_at is not None
        and permit.expires_at <= now
    )


def booking_blockers(*, permit: Permit, now: datetime.datetime | None = None) -> list[Blocker]:
    """Every reason the permit's applicant cannot book an inspection now, most basic first
    (empty: they can)."""
    now = now or agency_now()
    status = permit.case.status
    if status in (wf.CANCELLED, wf.WITHDRAWN):
        return [
            Blocker(
                "closed",
                _("This permit was cancelled or withdrawn."),
                _("Apply for a new permit to do the work."),
            )
        ]
    if status == wf.FINALED:
        return [
            Blocker(
                "finaled",
                _("The final inspection passed: the permit is complete."),
                _("There is nothing left to book."),
            )
        ]
    if permit_expired(permit, now):
        expired_on = timezone.localtime(permit.expires_at).date() if permit.expires_at else None
        return [
            Blocker(
                "expired",
                _("This permit expired on %(date)s.") % {"date": expired_on}
                if expired_on
                else _("This permit expired."),
                _("Ask for an extension on this page, or call the permit office."),
            )
        ]
    if status not in wf.IN_FORCE:
        action = (
            _("Pay the permit fee; you can book as soon as it is paid and the permit is issued.")
            if status == wf.APPROVED
            else _("Inspections are booked once the plans are approved and the permit is issued.")
        )
        # An approved permit's permit-fee invoice is the way forward: link it, as an unpaid
        # re-inspection fee is, rather than only saying to pay it.
        unpaid = unpaid_invoices(permit) if status == wf.APPROVED else []
        return [
            Blocker(
                "not_issued",
                _("This permit is not issued yet."),
                action,
                invoice=unpaid[0] if unpaid else None,
            )
        ]
    blockers = [
        Blocker(
            "unpaid",
            _("The %(fee)s of %(amount)s (%(reference)s) is not paid.")
            % {
                "fee": invoice.description,
                "amount": money(invoice.balance_cents),
                "reference": invoice.reference,
            },
            _("Pay it; you can book as soon as it is paid."),
            invoice=invoice,
        )
        for invoice in unpaid_invoices(permit)
    ]
    booked = booked_inspection(permit)
    if booked is not None:
        blockers.append(
            Blocker(
                "booked",
                _("Your %(inspection)s inspection is already booked for %(day)s.")
                % {"inspection": booked.step.name, "day": booked.day},
                _("Move or cancel it, or wait for its result to book the next one."),
            )
        )
    if booked is None and next_step(permit) is None:
        blockers.append(
            Blocker(
                "none_left",
                _("Every required inspection has passed."),
                _("There is nothing left to book."),
            )
        )
    return blockers


@dataclass(frozen=True)
class HalfDay:
    """A half-day, or an exact time of it (`starts_at`), with places free."""

    day: datetime.date
    period: str
    free: int
    starts_at: datetime.time | None = None

    @property
    def value(self) -> str:
        """What the booking form sends for it: "2027-03-10:am" or "2027-03-10:am:09:00"."""
        value = f"{self.day.isoformat()}:{self.period}"
        return f"{value}:{self.starts_at:%H:%M}" if self.starts_at else value


def _held_by(moving: Inspection | None, row: dict) -> bool:
    """Does the booked inspection being moved hold a place in slot `row` (as
    `permits.services.inspection_slots._held_slots` reads it)?"""
    if moving is None or row["inspector_id"] != moving.inspector_id or row["day"] != moving.day:
        return False
    if moving.span is None:
        return row["id"] == moving.slot_id
    return row["starts_at"] is not None and (
        row["span"].lower < moving.span.upper and moving.span.lower < row["span"].upper
    )


def availability(
    *, permit: Permit, now: datetime.datetime | None = None, moving: Inspection | None = None
) -> list[HalfDay]:
    """The half-days (or, where shifts are at exact times, the times) the permit's next
    inspection may be booked in, with how many places are free, in one query over the
    bookable days.

    An exact time is offered where it is a start (one of the shift's own, every shift's
    minutes from the start of the half-day, or right after a booked inspection:
    `permits.inspection_rules.offered_start`) and the next inspection fits from it: every
    quarter hour of the same inspector its minutes (its own, or the shift's) overlap is free
    and within the inspector's working time, which may run on from the morning into the
    afternoon (`permits.inspection_rules.time_run`); its free places are the inspectors it
    fits with.

    `moving` is the permit's booked inspection when the page offers where to move it: the
    places it holds count as free (the move frees them in the same transaction, so an hour
    at 9:00 may move to 9:30), and its own half-day or time is not offered.
    """
    now = now or agency_now()
    rules = booking_rules()
    days = bookable_days(now, rules, calendar_closed(now, rules))
    if not days:
        return []
    rows = list(
        InspectionSlot.objects.filter(slot_filter(permit_area(permit)), day__in=days)
        .values(
            "id",
            "inspector_id",
            "day",
            "period",
            "starts_at",
            "span",
            "capacity",
            "booked",
            "shift_minutes",
        )
        .order_by("day", "period", "inspector_id", "starts_at")
    )
    for row in rows:
        if _held_by(moving, row):
            row["booked"] -= 1
    free: dict[tuple, int] = {}
    times: dict[tuple, list[dict]] = {}
    for row in rows:
        if row["starts_at"] is None:
            key = (row["day"], row["period"], None)
            free[key] = free.get(key, 0) + row["capacity"] - row["booked"]
        else:
            # Both half-days of an inspector's day in one list, in time order: a long
            # inspection may run from the morning into the afternoon (see
            # `permits.services.inspection_slots._runs`).
            times.setdefault((row["inspector_id"], row["day"]), []).append(row)
    if times:
        step = moving.step if moving is not None else next_step(permit)
        minutes = step.minutes if step is not None else None
    for shift in times.values():
        spans = [(row["span"].lower, row["span"].upper) for row in shift]
        for first, row in enumerate(shift):
            before = shift[first - 1] if first else None
            after_booking = (
                before is not None
                and before["span"].upper == row["span"].lower
                and before["booked"] > 0
            )
            if not offered_start(
                row["starts_at"], row["period"], row["shift_minutes"], after_booking=after_booking
            ):
                continue
            key = (row["day"], row["period"], row["starts_at"])
            run = time_run(spans, first, minutes or row["shift_minutes"])
            fits = run is not None and all(
                shift[index]["booked"] < shift[index]["capacity"] for index in run[0]
            )
            free[key] = free.get(key, 0) + int(fits)
    if moving is not None:
        # Moving to where it is already booked is refused (`inspection_reschedule`).
        free.pop((moving.day, moving.period, moving.starts_at), None)
    return [
        HalfDay(day, period, count, starts_at)
        for (day, period, starts_at), count in sorted(
            free.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or datetime.time.min)
        )
        if count > 0
    ]


def is_inspector(user) -> bool:
    """Does `user` work an inspector's route (active staff with the inspector role in some
    department, or a superuser)? The inspector's pages and their workbench link ask this."""
    return permissions.is_active_staff(user) and (
        user.is_superuser
        or any(role == StaffRole.INSPECTOR for _dept, role in permissions.grants(user))
    )


def may_order_route(*, user, inspector) -> bool:
    """May `user` see and reorder `inspector`'s route? The inspector themself, a supervisor
    in a department where they inspect (or across the agency), or a superuser."""
    if not permissions.is_active_staff(user):
        return False
    if user.pk == inspector.pk or user.is_superuser:
        return True
    return _supervised_inspectors(user).filter(pk=inspector.pk).exists()


def _supervised_inspectors(user):
    from django.contrib.auth import get_user_model

    supervised = {dept for dept, role in permissions.grants(user) if role == StaffRole.SUPERVISOR}
    # One filter(): the role and the department are of the same membership.
    membership = Q(staff_memberships__role=StaffRole.INSPECTOR)
    if not (user.is_superuser or None in supervised):
        membership &= Q(staff_memberships__department_id__in=supervised)
    return get_user_model().objects.filter(membership, is_active=True, is_staff=True).distinct()


def supervises_inspectors(user) -> bool:
    """Does `user` supervise some inspector's route (a supervisor of a department where
    inspectors work, or across the agency, or a superuser)? The workbench's link to the
    inspectors' routes asks this."""
    if not permissions.is_active_staff(user):
        return False
    if not (
        user.is_superuser
        or any(role == StaffRole.SUPERVISOR for _dept, role in permissions.grants(user))
    ):
        return False
    return _supervised_inspectors(user).exists()


def supervised_routes(*, user, day: datetime.date):
    """The inspectors whose route `user` may open and reorder (`may_order_route`, less
    themself), by name, each with `stops`: how many inspections of `day` are on their
    route (booked or done). Empty for anyone who supervises no inspector."""
    if not permissions.is_active_staff(user):
        return _supervised_inspectors(user).none()
    on_route = Q(inspections__day=day) & ~Q(inspections__status=InspectionStatus.CANCELLED)
    return (
        _supervised_inspectors(user)
        .exclude(pk=user.pk)
        .annotate(stops=Count("inspections", filter=on_route, distinct=True))
        .order_by("full_name", "email", "pk")
    )


def route_inspector(*, user, inspector_id: int):
    """The inspector whose route `user` asks for by id: themself, or one they supervise
    (`may_order_route`). Raises DoesNotExist of the user model otherwise, so another
    inspector's route is as missing as one that never was."""
    if permissions.is_active_staff(user) and inspector_id == user.pk:
        return user
    if not permissions.is_active_staff(user):
        raise _supervised_inspectors(user).model.DoesNotExist
    return _supervised_inspectors(user).get(pk=inspector_id)


def _with_answered_keys(inspections):
    """Each inspection with `answered_keys`: the result keys claimed for its permit's case
    (`cases.SubmissionKey`), in the same query. A page shows them so a phone drops the
    results it kept for them (portal/offline.py); a key is the case's, not one
    inspection's, so each stop shows every key of its permit."""
    keys = SubmissionKey.objects.filter(case_id=OuterRef("permit__case_id")).values("key")
    return inspections.annotate(answered_keys=ArraySubquery(keys.order_by("created_at", "key")))


def inspector_route(*, inspector, day: datetime.date):
    """The inspector's inspections of `day`, in route order (morning first), with what the
    day page shows of each permit."""
    return (
        Inspection.objects.filter(inspector=inspector, day=day)
        .exclude(status=InspectionStatus.CANCELLED)
        .select_related("permit__case", "permit__permit_type", "step")
        .order_by("period", "starts_at", "route_order", "id")
    )


def inspector_day_stops(*, inspector, day: datetime.date):
    """The day page's stops: `inspector_route` with the result keys recorded on each
    permit (`answered_keys`), in the same query."""
    return _with_answered_keys(inspector_route(inspector=inspector, day=day))


def inspection_for_inspector(*, inspector, pk: int) -> Inspection:
    """One of the inspector's own inspections, with the result keys recorded on its permit
    (`answered_keys`); Inspection.DoesNotExist otherwise."""
    return _with_answered_keys(
        Inspection.objects.select_related("permit__case", "permit__permit_type", "step")
    ).get(pk=pk, inspector=inspector)


def inspection_history(permit: Permit):
    return (
        permit.inspections.select_related("step", "inspector")
        .prefetch_related("photos")
        .order_by("-day", "-id")
    )


def inspection_photo_for(*, user, pk: int) -> InspectionPhoto:
    """A photo of an inspection that `user` may see: the permit's applicant, an inspector
    who inspects the permit, or staff who may view its case. Never the public: the public
    permit page shows results, not photos. Raises InspectionPhoto.DoesNotExist otherwise,
    so a photo of someone else's permit is as missing as one that never was."""
    photo = InspectionPhoto.objects.select_related("inspection__permit__case").filter(pk=pk).first()
    if photo is None or not getattr(user, "is_authenticated", False):
        raise InspectionPhoto.DoesNotExist
    permit = photo.inspection.permit
    if permit.case.applicant_id == user.pk:
        return photo
    if permissions.is_active_staff(user) and (
        permit.inspections.filter(inspector=user).exists()
        or permissions.can(user, permissions.VIEW, permit.case)
    ):
        return photo
    raise InspectionPhoto.DoesNotExist


def guest_inspection_photo(*, permit: Permit, pk: int) -> InspectionPhoto:
    """A photo of `permit`'s inspections, for its guest applicant (who reached the permit
    through their link); InspectionPhoto.DoesNotExist for a photo of another permit."""
    return InspectionPhoto.objects.select_related("inspection").get(
        pk=pk, inspection__permit=permit
    )


def guest_permit_invoice(*, permit: Permit, reference: str) -> Invoice:
    """One of `permit`'s fees (its permit fee or a re-inspection fee), for its guest
    applicant; Invoice.DoesNotExist for an invoice of anything else."""
    return (
        Invoice.objects.filter(reference=reference)
        .filter(Q(permit_issuance__permit=permit) | Q(permit_inspection__permit=permit))
        .distinct()
        .get()
    )
