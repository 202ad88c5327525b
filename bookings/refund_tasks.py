"""Celery tasks that give bookings' money back: thin, named, ids in, safe to run twice.

Kept apart from bookings/tasks.py (the hold sweep) and imported by bookings.receivers, so a
worker knows them as soon as the app is ready. Each refund is one keyed request to the payments
app (`refund_by_policy`), so a retry or a second delivery refunds nothing twice.
"""

import uuid

from celery import shared_task

from payments.gateways import GatewayError


@shared_task(
    name="bookings.refund_late_payment",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(GatewayError,),
    retry_backoff=60,
    max_retries=8,
)
def refund_late_payment(booking_id: int, invoice_id: int) -> int:
    """Refund a payment that arrived after the booking's hold had ended."""
    from bookings.services.checkout import late_payment_refund

    return late_payment_refund(booking_id=booking_id, invoice_id=invoice_id)


@shared_task(
    bind=True,
    name="bookings.refund_booking",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(GatewayError,),
    retry_backoff=60,
    retry_backoff_max=600,
    max_retries=8,
)
def refund_booking(
    self, booking_id: int, amount_cents: int, reason: str, policy: str, request_key: str = ""
) -> int:
    """Refund what a cancellation, a move or a deposit's release gives back.

    `request_key` names this refund in the payments app: delivered again after its worker
    died, or retried after a refusal, the task finishes the same request, so nothing is
    refunded twice. A message sent before the key was passed uses its own task id, which
    stays the same across deliveries and retries."""
    from bookings.services.cancel import booking_refund

    return booking_refund(
        booking_id=booking_id,
        amount_cents=amount_cents,
        reason=reason,
        policy=policy,
        request_key=uuid.UUID(request_key or self.request.id),
    )
