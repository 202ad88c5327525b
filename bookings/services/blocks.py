"""Blocking a facility's time for maintenance (or a city event): staff keep a range free.

A block is a row of the bookings table (`kind="block"`, confirmed, with its reason), so the
one exclusion constraint that keeps bookings apart keeps blocks and bookings apart too:
availability shows the time as taken with no new code, and a visitor's hold on it is
refused by the database. A block never has a buffer of its own: the bookings around it
carry theirs.

A block over a live booking (confirmed, waiting for approval or payment, or held right now)
is refused with the references in the way: staff cancel or move those first, through their
own services, so no booker is ever dropped silently. When the agency closes the place (a
storm, an emergency), staff may instead give the block a message for the bookers: every
paid booking in the way (confirmed or waiting for approval) is then cancelled for the
agency, with everything refunded and that message, in the same transaction as the block;
a visitor still paying or holding the time keeps the block refused. The database has the
last word if a hold lands between the check and the insert.
"""

from __future__ import annotations

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange, NumericRange
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from psycopg import errors as pg_errors

from bookings.exceptions import StaffActionRefused
from bookings.models import Booking, BookingKind, BookingStatus, Facility
from bookings.models.bookings import FACILITY_POINT
from bookings.services.cancel import CancelRefused, booking_cancel_by_agency
from bookings.services.holds import REFERENCE_ALPHABET, _lapsed_holds_expire
from bookings.services.waitlist import slot_freed_after_commit
from bookings.staff_permissions import require_facility_staff

MAX_BLOCK = datetime.timedelta(days=31)


def _in_the_way(*, facility: Facility, period: DateTimeTZRange, now) -> list[Booking]:
    return list(
        Booking.objects.occupying(now=now)
        .alias(point=FACILITY_POINT)
        .filter(
            point__overlap=NumericRange(facility.pk, facility.pk, "[]"),
            buffered__overlap=period,
        )
        .order_by("period")
    )


def _refusal(rows: list[Booking]) -> str:
    blocks = [row for row in rows if row.is_block]
    bookings = [row for row in rows if not row.is_block]
    if bookings:
        return ngettext(
            "This time overlaps booking %(references)s. Cancel or move it first.",
            "This time overlaps bookings %(references)s. Cancel or move them first.",
            len(bookings),
        ) % {"references": ", ".join(row.reference for row in bookings)}
    if blocks:
        return _("This time overlaps time already blocked (%(reason)s).") % {
            "reason": blocks[0].block_reason
        }
    return _("This time was just taken. Please look at the calendar again.")


# A booking paid for (or its payment settled and awaiting staff): cancelled for the agency
# with a full refund. One being held or paid for right now is not: its visitor is mid-way.
CANCELLED_FOR_A_BLOCK = (BookingStatus.CONFIRMED, BookingStatus.PENDING_APPROVAL)


def _cancel_for_agency(rows: list[Booking], *, actor, message: str) -> None:
    """Cancel the paid bookings among `rows` for the agency, in their time order (the
    caller's transaction: a refusal of one cancels none)."""
    for row in rows:
        if row.is_block or row.status not in CANCELLED_FOR_A_BLOCK:
            continue
        try:
            booking_cancel_by_agency(booking=row, actor=actor, message=message)
        except CancelRefused as refused:
            raise StaffActionRefused(
                _("Booking %(reference)s cannot be cancelled: %(why)s")
                % {"reference": row.reference, "why": refused}
            ) from None


def _same_block(*, facility: Facility, period: DateTimeTZRange, reason: str) -> Booking | None:
    return Booking.objects.filter(
        facility=facility,
        kind=BookingKind.BLOCK,
        status=BookingStatus.CONFIRMED,
        period=period,
        block_reason=reason,
    ).first()


def block_create(
    *,
    facility: Facility,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    reason: str,
    actor,
    booker_message: str = "",
    now: datetime.datetime | None = None,
) -> Booking:
    """Keep `facility` free of bookings from `starts_at` to `ends_at`, for `reason`.

    With `booker_message`, the paid bookings in the way are first cancelled for the agency
    (`booking_cancel_by_agency`: all refunded after commit, each booker told the message).
    The same block sent twice (a second click) returns the first. Raises PermissionDenied
    for anyone but the department's deciding staff, and StaffActionRefused for a range that
    is empty, past, longer than a month, or overlaps a live booking (without a message, or
    one still being paid for) or another block (the message names what is in the way);
    nothing is written or cancelled then.
    """
    now = now or timezone.now()
    require_facility_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise StaffActionRefused(_("Say why the time is blocked."))
    if starts_at.tzinfo is None or ends_at.tzinfo is None or ends_at <= starts_at:
        raise StaffActionRefused(_("The end must be after the start."))
    if ends_at <= now:
        raise StaffActionRefused(_("That time has passed."))
    if ends_at - starts_at > MAX_BLOCK:
        raise StaffActionRefused(
            _("Block at most a month at a time; for longer, close the dates in the facility.")
        )
    period = DateTimeTZRange(starts_at, ends_at, "[)")
    same = _same_block(facility=facility, period=period, reason=reason)
    if same is not None:
        return same
    try:
        with transaction.atomic():
            # Blocks of one facility are made one at a time: the same block sent twice at
            # once (a double click) waits here for the first, then finds it, rather than
            # finding the bookings the first cancelled no longer cancellable. NO KEY UPDATE,
            # so holds and bookings, which only reference the facility, are not held up.
            Facility.objects.select_for_update(no_key=True).filter(pk=facility.pk).first()
            same = _same_block(facility=facility, period=period, reason=reason)
            if same is not None:
                return same
            _lapsed_holds_expire(facility=facility, buffered=period, now=now)
            in_the_way = _in_the_way(facility=facility, period=period, now=now)
            if in_the_way and booker_message.strip():
                _cancel_for_agency(in_the_way, actor=actor, message=booker_message)
                in_the_way = _in_the_way(facility=facility, period=period, now=now)
            if in_the_way:
                raise StaffActionRefused(_refusal(in_the_way))
            return Booking.objects.create(
                facility=facility,
                kind=BookingKind.BLOCK,
                reference="BL-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8)),
                status=BookingStatus.CONFIRMED,
                period=period,
                buffered=period,
                block_reason=reason,
                created_by=actor,
                price_cents=0,
                deposit_cents=0,
            )
    except IntegrityError as error:
        if not isinstance(error.__cause__, pg_errors.ExclusionViolation):
            raise
        raise StaffActionRefused(
            _refusal(_in_the_way(facility=facility, period=period, now=now))
        ) from None


def block_remove(*, block: Booking, actor) -> bool:
    """Give blocked time back to visitors (offered first to whoever waits for it); returns
    whether a block was removed (False when it was removed already). Raises
    PermissionDenied as `block_create`."""
    require_facility_staff(actor)
    with transaction.atomic():
        removed = Booking.objects.filter(
            pk=block.pk, kind=BookingKind.BLOCK, status=BookingStatus.CONFIRMED
        ).update(
            status=BookingStatus.CANCELLED, cancelled_at=timezone.now(), updated_at=timezone.now()
        )
        if removed:
            slot_freed_after_commit(block)
    return bool(removed)
