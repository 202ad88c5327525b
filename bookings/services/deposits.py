"""Settling a booking's deposit after the event.

Staff of the facility's department release the deposit in full, or keep part of it with a
reason the booker reads (damage, cleaning, a late finish). What is released goes back
through the gateway after commit by the path every booking refund takes
(`bookings.refund_tasks.refund_booking`, policy "bookings.deposit_released"); the booking
records what was kept and why, its case closes (`completed`, the reason as its public note)
and the booker is told. A booking without a deposit is closed the same way with nothing to
refund. Settling twice changes nothing and returns "unchanged".
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import workflow
from bookings.exceptions import StaffActionRefused
from bookings.models import Booking, BookingStatus
from bookings.services.cancel import _currency, _lock_for_change, _refund_after_commit, paid_cents
from bookings.services.checkout import _case_move, _notify
from bookings.staff_permissions import require_booking_staff
from payments.money import format_cents

POLICY_DEPOSIT = "bookings.deposit_released"
SETTLED = "settled"
UNCHANGED = "unchanged"


def booking_deposit_settle(
    *,
    booking: Booking,
    actor,
    kept_cents: int = 0,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> str:
    """Release `booking`'s deposit after its event, keeping `kept_cents` of it for `reason`
    (which the booker reads; required when anything is kept); return "settled" or
    "unchanged".

    Raises PermissionDenied for anyone but the department's deciding staff, and
    StaffActionRefused before the event has ended, for a booking that is not confirmed, or
    for an amount kept that is negative or more than the deposit paid.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        booking = _lock_for_change(booking)
        require_booking_staff(actor, booking)
        if booking.deposit_settled_at is not None:
            return UNCHANGED
        if booking.status != BookingStatus.CONFIRMED:
            raise StaffActionRefused(_("Only a confirmed booking has a deposit to settle."))
        if now < booking.ends_at:
            raise StaffActionRefused(_("The deposit is settled once the event is over."))
        # What is paid of the deposit (a booking partly refunded already may hold less).
        deposit = min(booking.deposit_cents, paid_cents(booking))
        if kept_cents < 0 or kept_cents > deposit:
            raise StaffActionRefused(
                _("Keep between nothing and the deposit paid, %(amount)s.")
                % {"amount": format_cents(deposit, _currency(booking))}
            )
        if kept_cents and not reason:
            raise StaffActionRefused(_("Tell the booker why part of the deposit is kept."))
        released = deposit - kept_cents
        booking.deposit_settled_at = now
        booking.deposit_kept_cents = kept_cents
        booking.deposit_reason = reason if kept_cents else ""
        booking.save(
            update_fields=[
                "deposit_settled_at",
                "deposit_kept_cents",
                "deposit_reason",
                "updated_at",
            ]
        )
        _refund_after_commit(
            booking.pk,
            released,
            reason=_("Deposit of booking %(reference)s released")
            % {"reference": booking.reference},
            policy=POLICY_DEPOSIT,
        )
        _case_move(booking, workflow.COMPLETED, actor=actor, public_note=booking.deposit_reason)
        if deposit:
            _notify(
                booking,
                template="bookings/deposit_settled",
                key="deposit",
                extra={
                    "refund_cents": released,
                    "kept_cents": kept_cents,
                    "reason": booking.deposit_reason,
                    "currency": _currency(booking),
                },
            )
    return SETTLED
