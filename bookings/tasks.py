"""Bookings' periodic work: thin tasks calling one service each."""

from __future__ import annotations

from celery import shared_task

from bookings.services.holds import holds_expire


@shared_task(name="bookings.expire_holds", acks_late=True)
def expire_holds() -> int:
    """Mark lapsed holds `expired` (one UPDATE; safe to run twice)."""
    return holds_expire()
