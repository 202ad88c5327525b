"""Bookings' periodic work: thin tasks calling one service each."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from bookings.services.holds import holds_expire


@shared_task(name="bookings.expire_holds", acks_late=True)
def expire_holds() -> int:
    """End lapsed holds: delete the abandoned, mark the others `expired` (one statement
    per batch; safe to run twice)."""
    return holds_expire()


@shared_task(name="bookings.waitlist_sweep", acks_late=True)
def waitlist_sweep() -> dict[str, int]:
    """Lapse offers not taken in time and offer free slots to the next person waiting."""
    from bookings.services.waitlist import waitlist_offers_sweep

    return waitlist_offers_sweep()


@shared_task(name="bookings.waitlist_offer_freed", acks_late=True)
def waitlist_offer_freed(facility_id: int, lower: str, upper: str) -> int:
    """Offer a time that was just freed (a booking cancelled or moved away, an offer
    declined, given back or lapsed) to the next person waiting for it."""
    from bookings.services.waitlist import waitlist_slot_freed

    within = DateTimeTZRange(
        datetime.datetime.fromisoformat(lower), datetime.datetime.fromisoformat(upper), "[)"
    )
    return waitlist_slot_freed(facility_id=facility_id, within=within)


@shared_task(name="bookings.draw_lotteries", acks_late=True)
def draw_lotteries() -> int:
    """Draw every lottery whose request window has closed (a drawn one is left as it is)."""
    from bookings.services.lottery import lotteries_draw_due

    return lotteries_draw_due()
