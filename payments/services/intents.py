"""Gateway calls outside locks and transactions: record the intent, commit, call, record.

A slow or unreachable gateway must never hold a row lock or a transaction open: the invoice
row is what every payment, refund, webhook and receiver of the owning app waits on. So each
call that creates something at the gateway (a Checkout Session, a refund) is split in three:

1. in a transaction, under the invoice's lock, the service checks the rules, writes the row
   the call is for (a pending payment; a pending refund, its amount reserved on the payment)
   and a `GatewayIntent`, and commits;
2. with no transaction open, `intent_run` calls the gateway with the row's idempotency key;
3. in a new transaction, under the locks again, it records the answer, once: an intent
   already answered (by another process making the same call) is left as it is.

An intent whose answer was never recorded (the worker died, the gateway timed out or
answered 5xx) stays `pending`; `intents_retry_pending` (the `payments.retry_gateway_intents`
task) makes the same call again, and Stripe answers a repeated idempotency key with the
first call's result, so nothing is created twice.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payments.gateways import GatewayError, get_gateway
from payments.models import (
    GatewayIntent,
    IntentKind,
    IntentStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from payments.services._locks import announce, lock_invoice, lock_payment

logger = logging.getLogger("payments")


# A call unanswered after this many tries is given up (and listed for staff as failed).
MAX_ATTEMPTS = 8

# The gateway status of a refund given up with no answer: the gateway may have made it. It
# is failed (its amount no longer reserved) but not refused: asked for again
# (`refund_by_policy`), the same refund is sent again with its own key, after the gateway is
# asked whether it made it (`Gateway.find_refund`), never a new one.
REFUND_UNANSWERED = "unknown"


def _claim_window() -> datetime.timedelta:
    """How long a call in flight is left to its caller before another may make it again."""
    return datetime.timedelta(seconds=settings.PAYMENTS_GATEWAY_TIMEOUT_SECONDS + 5)


def claim_until(now: datetime.datetime) -> datetime.datetime:
    return now + _claim_window()


def intent_claim(*, payment: Payment, now: datetime.datetime) -> bool:
    """Take over the checkout call of `payment` (locked by the caller) unless another request
    is making it right now; True if the caller should make the call."""
    intent = (
        GatewayIntent.objects.select_for_update(no_key=True)
        .filter(payment=payment, kind=IntentKind.CHECKOUT, status=IntentStatus.PENDING)
        .first()
    )
    if intent is None or (intent.claimed_until is not None and intent.claimed_until > now):
        return False
    intent.claimed_until = claim_until(now)
    intent.save(update_fields=["claimed_until", "updated_at"])
    return True


def _lock_intent(intent_id: int) -> GatewayIntent:
    return GatewayIntent.objects.select_for_update(of=("self",), no_key=True).get(pk=intent_id)


def _failed_call(intent_id: int, error: GatewayError) -> None:
    """Record a call that did not settle: count it, and end the intent if the gateway refused."""
    with transaction.atomic(durable=True):
        intent = GatewayIntent.objects.get(pk=intent_id)
        invoice_id = Payment.objects.values_list("invoice_id", flat=True).get(pk=intent.payment_id)
        invoice = lock_invoice(invoice_id)
        payment = lock_payment(intent.payment_id)
        intent = _lock_intent(intent_id)
        if intent.status != IntentStatus.PENDING:
            return
        intent.attempts += 1
        intent.last_error = str(error)[:255]
        intent.claimed_until = None
        if error.retryable and intent.attempts < MAX_ATTEMPTS:
            intent.save(update_fields=["attempts", "last_error", "claimed_until", "updated_at"])
            return
        intent.status = IntentStatus.FAILED
        intent.completed_at = timezone.now()
        intent.save()
        if intent.kind == IntentKind.REFUND:
            refund = Refund.objects.select_for_update(no_key=True).get(pk=intent.refund_id)
            refund.status = RefundStatus.FAILED
            refund.provider_status = REFUND_UNANSWERED if error.retryable else "failed"
            refund.save(update_fields=["status", "provider_status", "updated_at"])
            payment.refund_pending_cents -= refund.amount_cents
            payment.save(update_fields=["refund_pending_cents", "updated_at"])
            # The service that asked for it may have returned long ago (the retry task made
            # this call): the app that owns the invoice hears of it, its status unchanged.
            announce(
                invoice,
                old_status=invoice.status,
                failed_refund_id=refund.pk,
                refund_failure=intent.last_error,
            )
        elif payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.FAILED
            payment.failure_reason = f"The gateway refused the checkout: {error}"[:255]
            payment.save(update_fields=["status", "failure_reason", "updated_at"])
    logger.warning("Gateway call %s refused: %s", intent_id, error)


def _run_checkout(intent: GatewayIntent) -> None:
    payment = Payment.objects.select_related("invoice").get(pk=intent.payment_id)
    gateway = get_gateway(payment.gateway)
    start = gateway.start_checkout(
        payment=payment,
        invoice=payment.invoice,
        success_url=payment.success_url,
        cancel_url=payment.cancel_url,
    )
    with transaction.atomic(durable=True):
        lock_invoice(payment.invoice_id)
        payment = lock_payment(payment.pk)
        intent = _lock_intent(intent.pk)
        if intent.status != IntentStatus.PENDING:
            return
        intent.attempts += 1
        intent.status = IntentStatus.SUCCEEDED
        intent.completed_at = timezone.now()
        intent.claimed_until = None
        intent.last_error = ""
        intent.save()
        if not payment.provider_reference:
            # Recorded even if the attempt ended meanwhile: should the payer reach the
            # session after all, its webhook finds the payment (and flags or applies it).
            payment.provider_reference = start.provider_reference
            payment.checkout_url = start.redirect_url
            payment.expires_at = start.expires_at
            payment.save(
                update_fields=["provider_reference", "checkout_url", "expires_at", "updated_at"]
            )
        if payment.status != PaymentStatus.PENDING:
            transaction.on_commit(lambda: gateway.expire_checkout(payment=payment), robust=True)


def _run_refund(intent: GatewayIntent) -> None:
    # Imported here: refunds build on this module.
    from payments.services.refunds import refund_apply_locked

    refund = Refund.objects.select_related("payment__invoice").get(pk=intent.refund_id)
    gateway = get_gateway(refund.payment.gateway)
    result = None
    if intent.attempts > 0 or refund.provider_status == REFUND_UNANSWERED:
        # Asked before with no answer recorded: the gateway may have made it, and may have
        # forgotten the key by now. Whatever it made is what is recorded.
        result = gateway.find_refund(payment=refund.payment, refund=refund)
    if result is None:
        result = gateway.refund(payment=refund.payment, refund=refund)
    with transaction.atomic(durable=True):
        invoice = lock_invoice(refund.payment.invoice_id)
        payment = lock_payment(refund.payment_id)
        intent = _lock_intent(intent.pk)
        if intent.status != IntentStatus.PENDING:
            return
        refund = Refund.objects.select_for_update(no_key=True).get(pk=refund.pk)
        intent.attempts += 1
        intent.status = IntentStatus.SUCCEEDED
        intent.completed_at = timezone.now()
        intent.claimed_until = None
        intent.last_error = ""
        intent.save()
        refund.status = RefundStatus.SUCCEEDED
        refund.provider_reference = result.provider_reference
        refund.provider_status = result.provider_status
        refund.save(update_fields=["status", "provider_reference", "provider_status", "updated_at"])
        payment.refund_pending_cents -= refund.amount_cents
        payment.invoice = invoice
        refund_apply_locked(invoice, payment, refund)


def intent_run(*, intent_id: int) -> GatewayIntent:
    """Make the gateway call of a pending intent and record its answer; return the intent.

    Never inside a transaction (RuntimeError: its transactions are durable), so no lock is
    held while the gateway answers. Safe to run any number of times, at once too: the
    idempotency key makes the gateway give every repeated call the first call's answer, and
    the answer is recorded once. Raises GatewayError when the gateway refused (the intent,
    and its payment attempt or refund, are then failed) or did not answer (the intent stays
    pending).
    """
    intent = GatewayIntent.objects.get(pk=intent_id)
    if intent.status != IntentStatus.PENDING:
        return intent
    try:
        if intent.kind == IntentKind.CHECKOUT:
            _run_checkout(intent)
        else:
            _run_refund(intent)
    except GatewayError as error:
        _failed_call(intent.pk, error)
        raise
    intent.refresh_from_db()
    return intent


def intents_retry_pending(*, older_than: datetime.timedelta | None = None, limit: int = 100) -> int:
    """Make again the gateway calls left pending for a while; return how many were answered.

    A call still pending after `older_than` (settings.PAYMENTS_INTENT_RETRY_SECONDS) lost its
    answer: a worker died between the call and the record, or the gateway did not answer.
    """
    if older_than is None:
        older_than = datetime.timedelta(seconds=settings.PAYMENTS_INTENT_RETRY_SECONDS)
    cutoff = timezone.now() - older_than
    pending = (
        GatewayIntent.objects.filter(status=IntentStatus.PENDING, updated_at__lte=cutoff)
        .order_by("updated_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    answered = 0
    for intent_id in list(pending):
        # Claimed first (skipping one another worker holds), so two workers never make the
        # same call at once.
        with transaction.atomic(durable=True):
            now = timezone.now()
            claimed = (
                GatewayIntent.objects.select_for_update(no_key=True, skip_locked=True)
                .filter(pk=intent_id, status=IntentStatus.PENDING, updated_at__lte=cutoff)
                .exclude(claimed_until__gt=now)
                .first()
            )
            if claimed is None:
                continue
            claimed.claimed_until = claim_until(now)
            claimed.save(update_fields=["claimed_until", "updated_at"])
        try:
            intent = intent_run(intent_id=intent_id)
        except GatewayError:
            continue
        if intent.status != IntentStatus.PENDING:
            answered += 1
    return answered
