"""Celery tasks that give bookings' money back: thin, named, ids in, safe to run twice.

Kept apart from bookings/tasks.py (the hold sweep) and imported by bookings.receivers, so a
worker knows them as soon as the app is ready. Each refunds only what is still paid and not
already being refunded, so a retry or a second delivery refunds nothing twice.
"""

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
    max_retries=8,
)
def refund_booking(self, booking_id: int, amount_cents: int, reason: str, policy: str) -> int:
    """Refund what a cancellation or a move gives back.

    Retried after a refusal for what is still to refund only: the parts the gateway gave
    back (or is giving back) before it refused one are not asked for again."""
    from bookings.services.cancel import booking_refund

    try:
        return booking_refund(
            booking_id=booking_id, amount_cents=amount_cents, reason=reason, policy=policy
        )
    except GatewayError as error:
        left = getattr(error, "left_cents", amount_cents)
        if left <= 0:
            return amount_cents
        raise self.retry(
            exc=error,
            args=(booking_id, left, reason, policy),
            countdown=min(60 * 2**self.request.retries, 600),
        ) from error
