"""Celery tasks of payments: thin, named, ids in, safe to run twice."""

import logging

from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist

from notifications.tasks import dispatch_pending
from payments.services import (
    attempts_check_stale,
    intents_retry_pending,
    invoices_expire_due,
    receipt_email_send,
    webhook_events_apply_waiting,
)

logger = logging.getLogger("payments")

# Mail servers and providers fail transiently; a receipt is retried with backoff.
_MAIL_ERRORS = (OSError,)


@shared_task(
    name="payments.email_receipt",
    ignore_result=True,
    acks_late=True,
    autoretry_for=_MAIL_ERRORS,
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def email_receipt(receipt_id: int) -> bool:
    """Have the receipt's queued messages sent, and e-mail it with its PDF; a receipt already
    e-mailed is not sent again."""
    # The in-app and SMS messages were queued with the receipt, as pending rows: send them now
    # rather than at the dispatcher's next sweep. (From here, not from the web request that
    # settled the payment: one message to the broker per receipt, not two.)
    try:
        dispatch_pending.delay()
    except Exception:
        logger.warning("Could not enqueue the notification dispatcher; beat will run it.")
    try:
        return receipt_email_send(receipt_id=receipt_id)
    except ObjectDoesNotExist:
        return False


@shared_task(name="payments.expire_invoices", ignore_result=True, acks_late=True)
def expire_invoices() -> int:
    """Expire unpaid invoices past their expiry (booking holds...)."""
    return invoices_expire_due()


@shared_task(name="payments.check_stale_attempts", ignore_result=True, acks_late=True)
def check_stale_attempts() -> int:
    """Ask Stripe about checkouts its webhook never reported."""
    return attempts_check_stale()


@shared_task(name="payments.apply_waiting_events", ignore_result=True, acks_late=True)
def apply_waiting_events() -> int:
    """Apply Stripe events (refunds) that arrived before their payment, now recorded."""
    return webhook_events_apply_waiting()


@shared_task(name="payments.retry_gateway_intents", ignore_result=True, acks_late=True)
def retry_gateway_intents() -> int:
    """Make again the gateway calls (checkouts, refunds) whose answer was never recorded."""
    return intents_retry_pending()
