"""Permits' periodic jobs (CELERY_BEAT_SCHEDULE in settings). Thin: each calls one
set-based service and is safe to run twice, or in two workers at once."""

from celery import shared_task

from permits.services import inspections, issuance


@shared_task(name="permits.invoice_approved", ignore_result=True, acks_late=True)
def invoice_approved() -> int:
    """Invoice the permit fee of approved permits still without their invoice."""
    return issuance.permits_invoice_approved()


@shared_task(name="permits.expire_permits", ignore_result=True, acks_late=True)
def expire_permits() -> int:
    """Expire issued permits whose validity passed without a passed inspection."""
    return issuance.permits_expire()


@shared_task(name="permits.open_inspection_slots", ignore_result=True, acks_late=True)
def open_inspection_slots() -> int:
    """Open the inspectors' half-days for every day an inspection may be booked."""
    return inspections.slots_open_for_booking()
