"""Per-household limits of a facility, for an account or a guest's e-mail address.

`booking_hold` asks here for an account; waitlist offers and lottery grants also reach
guests, whose household is their e-mail address (compared without case).
"""

from __future__ import annotations

import datetime

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.availability import MINUTE
from bookings.models import Booking, Facility


def household_bookings(*, facility: Facility, user=None, email: str = "", now):
    """The household's bookings of `facility` that keep their slot at `now`."""
    mine = Booking.objects.occupying(now=now).filter(facility=facility)
    if user is not None:
        return mine.filter(user=user)
    return mine.filter(user__isnull=True, guest_email__iexact=(email or "").strip())


def household_refusal(
    *, facility: Facility, user=None, email: str = "", start, minutes: int, now
) -> str:
    """Why this household may not hold one more booking of `facility`, or ""."""
    if user is None and not (email or "").strip():
        return ""
    mine = household_bookings(facility=facility, user=user, email=email, now=now)
    if facility.household_max_active is not None:
        upcoming = mine.filter(period__endswith__gt=now).count()
        if upcoming >= facility.household_max_active:
            return _(
                "You already have %(count)d upcoming bookings of this facility, the most one "
                "household may have."
            ) % {"count": upcoming}
    if facility.household_max_minutes_per_month is not None:
        local = timezone.localtime(start, facility.time_zone)
        month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        next_month = (month_start + datetime.timedelta(days=32)).replace(day=1)
        booked = sum(
            int((b.period.upper - b.period.lower) / MINUTE)
            for b in mine.filter(period__overlap=DateTimeTZRange(month_start, next_month))
        )
        if booked + minutes > facility.household_max_minutes_per_month:
            return _(
                "This would take your household over %(minutes)d minutes of this facility "
                "this month."
            ) % {"minutes": facility.household_max_minutes_per_month}
    return ""
