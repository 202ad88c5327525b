"""Reads of checkout and of managing a booking, each scoped to who asks."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare

from bookings.models import Booking, BookingStatus
from cases.links import resolve_link

# Where the visitor's browser session keeps the random key of its holds (bookings.holds).
SESSION_HOLDER_KEY = "bookings.holder_key"


def session_holder_key(session) -> str:
    return str(session.get(SESSION_HOLDER_KEY, "") or "")


def _bookings():
    return Booking.objects.select_related("facility", "user")


def booking_for_guest_token(*, token: str, scope: str) -> Booking:
    """The booking a guest link opens for `scope`; raises cases.links.LinkError."""
    resolved = resolve_link(token, scope, model=Booking)
    return _bookings().get(pk=resolved.target.pk)


def booking_for_user(*, user, reference: str) -> Booking:
    """`user`'s own booking by reference; Booking.DoesNotExist for anyone else's."""
    return _bookings().get(user=user, reference=reference)


def bookings_for_dashboard(*, user, limit: int):
    """The resident's coming and recent bookings for the dashboard (one query), or None."""
    rows = list(
        _bookings()
        .filter(user=user)
        .exclude(status__in=(BookingStatus.HELD, BookingStatus.EXPIRED))
        .order_by("-period")[:limit]
    )
    return rows or None


def held_booking_for_visitor(*, reference: str, user, session) -> Booking | None:
    """The booking `reference` if this visitor holds it: the account it is held for, or the
    browser session that chose the slot (its holder key). None for anyone else."""
    booking = _bookings().filter(reference=reference).first()
    if booking is None:
        return None
    if booking.user_id is not None:
        return booking if user.is_authenticated and user.pk == booking.user_id else None
    key = session_holder_key(session)
    if key and booking.holder_key and constant_time_compare(key, booking.holder_key):
        return booking
    return None
