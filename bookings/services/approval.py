"""Staff's decision on a booking of a facility that needs approval.

Checkout leaves such a booking paid and `pending_approval` (its slot kept from everyone
else). Staff of the facility's department approve it, with conditions the booker reads if
any (no alcohol, the hall left as found), or decline it with a reason the booker reads. A
declined booking lets its slot go (offered to whoever waits for it) and everything paid on
it, deposit included, goes back
through the gateway after commit (`bookings.refund_tasks.refund_booking`, the path every
booking refund takes). Each decision is one transaction: the invoices and the booking
locked, the booking and its case moved together (the case by `cases.services.transition`,
with the reason as its public note), the booker told after commit by the outbox.

A second click on the same decision changes nothing and returns "unchanged"; the other
decision on a booking already decided is refused.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import workflow
from bookings.exceptions import StaffActionRefused
from bookings.models import Booking, BookingStatus
from bookings.services.cancel import (
    _close_open_invoices,
    _currency,
    _lock_for_change,
    _refund_after_commit,
    paid_cents,
)
from bookings.services.checkout import _case_move, _notify
from bookings.services.waitlist import slot_freed_after_commit
from bookings.staff_permissions import require_booking_staff

POLICY_DECLINED = "bookings.declined"

APPROVED = "approved"
DECLINED = "declined"
UNCHANGED = "unchanged"


def booking_approve(
    *, booking: Booking, actor, conditions: str = "", now: datetime.datetime | None = None
) -> str:
    """Approve a booking waiting for approval, with `conditions` the booker reads (may be
    empty); return "approved", or "unchanged" if it was approved already.

    Raises PermissionDenied for anyone but staff who decide cases of the facility's
    department, and StaffActionRefused for a booking not waiting for approval (declined,
    cancelled) or whose time has passed.
    """
    now = now or timezone.now()
    conditions = (conditions or "").strip()
    with transaction.atomic():
        booking = _lock_for_change(booking)
        require_booking_staff(actor, booking)
        if booking.status == BookingStatus.CONFIRMED:
            return UNCHANGED
        if booking.status != BookingStatus.PENDING_APPROVAL:
            raise StaffActionRefused(_("This booking is not waiting for approval."))
        if booking.starts_at <= now:
            raise StaffActionRefused(
                _("This booking's time has passed: decline it so the booker is refunded.")
            )
        booking.status = BookingStatus.CONFIRMED
        booking.conditions = conditions
        booking.save(update_fields=["status", "conditions", "updated_at"])
        _case_move(booking, workflow.CONFIRMED, actor=actor, public_note=conditions)
        _notify(
            booking,
            template="bookings/approved",
            key=APPROVED,
            extra={"conditions": conditions},
            invitation=True,
        )
    return APPROVED


def booking_decline(*, booking: Booking, actor, reason: str) -> str:
    """Decline a booking waiting for approval with `reason`, which the booker reads: the slot
    is freed and everything paid refunded after commit; return "declined", or "unchanged"
    if it was declined already (nothing refunded twice).

    Raises PermissionDenied as `booking_approve` does, and StaffActionRefused without a
    reason or for a booking not waiting for approval.
    """
    reason = (reason or "").strip()
    if not reason:
        raise StaffActionRefused(_("Tell the booker why their booking is declined."))
    with transaction.atomic():
        booking = _lock_for_change(booking)
        require_booking_staff(actor, booking)
        if booking.status == BookingStatus.DECLINED:
            return UNCHANGED
        if booking.status != BookingStatus.PENDING_APPROVAL:
            raise StaffActionRefused(_("This booking is not waiting for approval."))
        refund = paid_cents(booking)
        booking.status = BookingStatus.DECLINED
        booking.decline_reason = reason
        booking.cancelled_at = timezone.now()
        # The invitation the booker may have added to their calendar is withdrawn.
        booking.ics_sequence += 1
        booking.save(
            update_fields=["status", "decline_reason", "cancelled_at", "ics_sequence", "updated_at"]
        )
        _close_open_invoices(booking)
        _case_move(booking, workflow.DECLINED, actor=actor, public_note=reason)
        # The freed time goes to the first person waiting for it (bookings.services.waitlist).
        slot_freed_after_commit(booking)
        _refund_after_commit(
            booking.pk,
            refund,
            reason=_("Booking %(reference)s declined") % {"reference": booking.reference},
            policy=POLICY_DECLINED,
        )
        _notify(
            booking,
            template="bookings/declined",
            key=DECLINED,
            extra={"reason": reason, "refund_cents": refund, "currency": _currency(booking)},
        )
    return DECLINED
