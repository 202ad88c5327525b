"""Held bookings and paid checkouts for the checkout and cancellation tests, built through
the real services (bookings' checkout, payments' local gateway and Stripe stub)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from bookings.models import BookingStatus, CancellationTier, SlotMode
from bookings.services import checkout
from payments import services as payments
from tests.bookings.factories import FacilityFactory, booking_row

NEW_YORK = ZoneInfo("America/New_York")
SUCCESS = "https://portal.example.gov/bookings/checkout/X/done/"
CANCEL = "https://portal.example.gov/bookings/checkout/X/"
HOLDER_KEY = "k" * 32


def pavilion(**kwargs):
    """Booked for one to four hours at $40/hour for non-residents, $25 for residents, a $50
    deposit; tiers 30+ days: 100%, 11+ days: 50%, else nothing."""
    kwargs.setdefault("slot_mode", SlotMode.FREE)  # one to four hours, by the hour
    facility = FacilityFactory(deposit_cents=kwargs.pop("deposit_cents", 5000), **kwargs)
    CancellationTier.objects.bulk_create(
        [
            CancellationTier(facility=facility, days_before=30, percent=100),
            CancellationTier(facility=facility, days_before=11, percent=50),
            CancellationTier(facility=facility, days_before=0, percent=0),
        ]
    )
    return facility


def local_start(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=NEW_YORK)


def held(facility, *, start=None, minutes=120, hold_minutes=15):
    start = start or local_start(timezone.localdate() + datetime.timedelta(days=40))
    booking = booking_row(
        facility=facility,
        start=start,
        minutes=minutes,
        status=BookingStatus.HELD,
        hold_expires_at=timezone.now() + datetime.timedelta(minutes=hold_minutes),
    )
    booking.guest_name = booking.guest_email = ""
    booking.holder_key = HOLDER_KEY
    booking.save(update_fields=["guest_name", "guest_email", "holder_key"])
    return booking


def guest_checkout(booking, **kwargs):
    values = {
        "name": "Ana Pérez",
        "email": "ana@example.com",
        "phone": "",
        "answers": {},
        "resident": False,
    }
    values.update(kwargs)
    return checkout.booking_checkout(booking=booking, **values)


def pay_locally(invoice):
    """Pay `invoice` on the local test gateway, as the payer's approval does."""
    attempt = payments.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    payments.payment_local_complete(payment=attempt, approved=True)
    return attempt


def confirmed(facility, *, start=None, minutes=120, user=None):
    """A booking checked out and paid on the local gateway (on-commit work run)."""
    booking = held(facility, start=start, minutes=minutes)
    if user is not None:
        booking.user = user
        booking.save(update_fields=["user"])
        invoice = checkout.booking_checkout(booking=booking, user=user, answers={})
    else:
        invoice = guest_checkout(booking)
    pay_locally(invoice)
    booking.refresh_from_db()
    return booking, invoice
