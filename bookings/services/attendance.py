"""Check-in on the day and no-show recording.

Staff of the facility's department check a party in on the day of its booking, from
midnight until the booking ends; once the booking has started and nobody came, they record
a no-show (a late party is checked in afterwards, which clears it). Each is a timestamp on
the booking and a private move of its case (`checked_in`, `no_show`), so the clerk's
timeline says who recorded it and when; the slot stays booked either way. Repeating an
action changes nothing and returns "unchanged".
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import workflow
from bookings.exceptions import StaffActionRefused
from bookings.models import Booking, BookingStatus
from bookings.services.checkout import _case_move, _lock_booking
from bookings.staff_permissions import require_booking_staff

CHECKED_IN = "checked_in"
NO_SHOW = "no_show"
UNCHANGED = "unchanged"


def _day_start(booking: Booking) -> datetime.datetime:
    """Midnight, in the agency's time zone, of the day the booking starts."""
    local = timezone.localtime(booking.starts_at, booking.facility.time_zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _locked_confirmed(booking: Booking, actor) -> Booking:
    booking = _lock_booking(booking.pk)
    require_booking_staff(actor, booking)
    if booking.status != BookingStatus.CONFIRMED:
        raise StaffActionRefused(_("Only a confirmed booking can be checked in or marked."))
    if booking.deposit_settled_at is not None:
        raise StaffActionRefused(_("This booking is closed: its deposit is settled."))
    return booking


def booking_check_in(*, booking: Booking, actor, now: datetime.datetime | None = None) -> str:
    """Record that the party came; return "checked_in" or "unchanged".

    Raises PermissionDenied for anyone but the department's deciding staff, and
    StaffActionRefused before the booking's day, after it ended, or for a booking that is
    not confirmed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_confirmed(booking, actor)
        if booking.checked_in_at is not None:
            return UNCHANGED
        if now < _day_start(booking):
            raise StaffActionRefused(_("Check-in opens on the day of the booking."))
        if now >= booking.ends_at:
            raise StaffActionRefused(_("This booking has ended: it can no longer be checked in."))
        booking.checked_in_at = now
        booking.no_show_at = None
        booking.save(update_fields=["checked_in_at", "no_show_at", "updated_at"])
        _case_move(booking, workflow.CHECKED_IN, actor=actor)
    return CHECKED_IN


def booking_no_show(*, booking: Booking, actor, now: datetime.datetime | None = None) -> str:
    """Record that nobody came; return "no_show" or "unchanged".

    Raises PermissionDenied as `booking_check_in`, and StaffActionRefused before the booking
    starts or for a party already checked in.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_confirmed(booking, actor)
        if booking.no_show_at is not None:
            return UNCHANGED
        if booking.checked_in_at is not None:
            raise StaffActionRefused(_("This party is checked in already."))
        if now < booking.starts_at:
            raise StaffActionRefused(_("A no-show can be recorded once the booking has started."))
        booking.no_show_at = now
        booking.save(update_fields=["no_show_at", "updated_at"])
        _case_move(booking, workflow.NO_SHOW, actor=actor)
    return NO_SHOW
