"""Refunds, full or partial: issued by staff, started by a service under its refund policy,
or learned from Stripe; and a refund that failed, asked for again by staff (`refund_retry`).
The gateway is asked outside any lock (see `intents`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from payments.exceptions import RefundRefused
from payments.gateways import GatewayError
from payments.models import (
    GatewayIntent,
    IntentKind,
    IntentStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundOrigin,
    RefundRequest,
    RefundStatus,
)
from payments.money import format_cents
from payments.services._locks import announce, lock_invoice, lock_payment, require_role
from payments.services.intents import REFUND_UNANSWERED, claim_until, intent_run
from payments.services.receipts import receipt_issue

logger = logging.getLogger("payments")


def refund_apply_locked(invoice: Invoice, payment: Payment, refund: Refund) -> None:
    """Count a saved refund on its payment and invoice (both locked), issue its receipt and
    announce the invoice's new status.

    The database refuses totals above what was paid (CHECK constraints), so even a bug here
    cannot refund more than was received.
    """
    payment.amount_refunded_cents += refund.amount_cents
    payment.save(update_fields=["amount_refunded_cents", "refund_pending_cents", "updated_at"])
    old_status = invoice.status
    invoice.amount_refunded_cents += refund.amount_cents
    invoice.status = (
        InvoiceStatus.REFUNDED
        if invoice.amount_refunded_cents == invoice.amount_paid_cents
        else InvoiceStatus.PARTIALLY_REFUNDED
    )
    invoice.save(update_fields=["amount_refunded_cents", "status", "updated_at"])
    receipt_issue(invoice=invoice, payment=payment, refund=refund)
    announce(invoice, old_status=old_status)
    logger.info("Refund %s of %s cents on payment %s", refund.pk, refund.amount_cents, payment.pk)


def _reserve(
    *,
    payment_id: int,
    amount_cents: int,
    reason: str,
    actor,
    origin: str,
    policy: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> Refund:
    """Record a pending refund and its gateway intent, its amount reserved on the payment."""
    with transaction.atomic(durable=True):
        invoice_id = Payment.objects.values_list("invoice_id", flat=True).get(pk=payment_id)
        lock_invoice(invoice_id)
        payment = lock_payment(payment_id)
        if payment.status != PaymentStatus.SUCCEEDED:
            raise RefundRefused(_("Only a successful payment can be refunded."))
        if amount_cents > payment.refundable_cents:
            raise RefundRefused(
                _("A refund cannot be more than what is left of the payment (%(amount)s).")
                % {"amount": format_cents(payment.refundable_cents, payment.currency)}
            )
        return _pending_refund_locked(
            payment,
            amount_cents=amount_cents,
            reason=reason[:255],
            issued_by=actor,
            origin=origin,
            policy=policy[:64],
            **({"idempotency_key": idempotency_key} if idempotency_key else {}),
        )


def _pending_refund_locked(payment: Payment, *, amount_cents: int, **fields) -> Refund:
    """A pending refund of `payment` (locked by the caller) and its gateway intent, its
    amount reserved on the payment."""
    refund = Refund.objects.create(
        payment=payment,
        amount_cents=amount_cents,
        status=RefundStatus.PENDING,
        provider_status="pending",
        **fields,
    )
    payment.refund_pending_cents += amount_cents
    payment.save(update_fields=["refund_pending_cents", "updated_at"])
    GatewayIntent.objects.create(
        kind=IntentKind.REFUND,
        payment=payment,
        refund=refund,
        claimed_until=claim_until(timezone.now()),
    )
    return refund


def _send(refund: Refund) -> Refund:
    """Ask the gateway for a reserved refund, outside any lock; return it as it now stands.

    A refusal fails the refund and raises GatewayError; no answer leaves it pending for the
    retry task (same idempotency key) and returns it pending.
    """
    try:
        intent_run(intent_id=refund.intent.pk)
    except GatewayError as error:
        if not error.retryable:
            raise
        logger.warning("Refund %s left pending: the gateway did not answer", refund.pk)
    refund.refresh_from_db()
    return refund


def _check_reason_and_amount(reason: str, amount_cents) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RefundRefused(_("Give a reason for the refund."))
    if type(amount_cents) is not int or amount_cents <= 0:
        raise RefundRefused(_("A refund must be for a positive amount."))
    return reason


def refund_issue(
    *,
    payment: Payment,
    amount_cents: int,
    reason: str,
    actor,
    idempotency_key: uuid.UUID | None = None,
) -> Refund:
    """Give back `amount_cents` of a successful payment, through its gateway.

    Stripe payments are refunded through Stripe's API with the refund's own idempotency key
    (a retry never refunds twice); local and counter payments are recorded (the money is
    handed back at the desk). The invoice becomes partially refunded or refunded, the payer
    gets a refund receipt, and the owning app hears of it.

    The gateway is called after the refund is recorded as pending and committed, with no
    lock held (see `payments.services.intents`). The refund returned is `succeeded`, or
    `pending` if the gateway did not answer (the retry task finishes it).

    Raises RefundRefused when `actor`'s staff role does not refund (a cashier, supervisor or
    administrator does; see cases/permissions.py), the amount is not positive or is above
    what is left to refund (refunds in progress count), or the payment did not succeed;
    GatewayError when the gateway refuses (the refund is then recorded as failed).

    `idempotency_key` (a form's one-time key) makes a repeated call a no-op: a refund already
    made with it on this payment is returned as it stands, and nothing more is refunded (the
    key is unique in the database, so two calls at once cannot both refund).
    """
    require_role(actor, permissions.REFUND, exception=RefundRefused)
    reason = _check_reason_and_amount(reason, amount_cents)
    if idempotency_key is not None and (done := _refund_with_key(payment, idempotency_key)):
        return done
    try:
        refund = _reserve(
            payment_id=payment.pk,
            amount_cents=amount_cents,
            reason=reason,
            actor=actor,
            origin=RefundOrigin.STAFF,
            idempotency_key=idempotency_key,
        )
    except IntegrityError:
        done = _refund_with_key(payment, idempotency_key) if idempotency_key else None
        if done is None:
            raise
        return done
    return _send(refund)


@dataclass(frozen=True)
class RefundRetry:
    """What asking again for a failed refund gave: `refund`, the refund that now carries it
    (the failed one itself when it was given up unanswered, else its retry), as it stands;
    `repeated` when it had been asked for again already (nothing was asked this time)."""

    refund: Refund
    repeated: bool


def refund_retry(*, refund_id: int, actor) -> RefundRetry:
    """Ask the gateway again for a refund that failed, for exactly its amount, once.

    A refund the gateway refused is asked for again as a new refund of the same payment and
    amount (its `retry_of`), under a key derived from the refused one's (`refund_key`); the
    retry keeps the refused one's request, reason and policy, and is issued by `actor`. A
    refund given up with no answer ("unknown") is asked for again as itself: the gateway is
    first asked whether it made it (by its own key), and asked to make it only if not, so
    money that went back is never sent twice.

    Once per failed refund: the retry is unique per refused refund and so is its key (both
    in the database), and the refund is locked while this is decided, so a double click, a
    replayed form or two members of staff at once ask the gateway once; the second call
    returns the first one's refund, `repeated` (as for a refund that has not failed: there
    is nothing to ask). A retry refused again is asked for again by its own id, under a key
    of its own.

    Must run outside a transaction (the gateway is asked after the retry is recorded, with
    no lock held). Raises RefundRefused when `actor`'s staff role does not refund, the
    refund does not exist, its payment has less left to refund than its amount,
    or its request has been made up for since (its refunds already give back what it asked);
    GatewayError when the gateway refuses again (the retry is then failed, and announced as
    a refused refund is).
    """
    require_role(actor, permissions.REFUND, exception=RefundRefused)
    try:
        with transaction.atomic(durable=True):
            retry = _retry_reserve(refund_id=refund_id, actor=actor)
    except IntegrityError:
        # Another call recorded the retry between our look and our write (the unique
        # retry and key refused ours): that one asks the gateway.
        done = Refund.objects.filter(retry_of_id=refund_id).first()
        if done is None:
            raise
        return RefundRetry(refund=done, repeated=True)
    if retry.repeated:
        return retry
    return RefundRetry(refund=_send(retry.refund), repeated=False)


def _retry_reserve(*, refund_id: int, actor) -> RefundRetry:
    """Under the invoice's, payment's and refund's locks (in that order), record what
    asking again for the failed refund `refund_id` takes, or find it recorded."""
    found = Refund.objects.filter(pk=refund_id).values_list("payment_id", "payment__invoice_id")
    if not found:
        raise RefundRefused(_("There is no such refund."))
    [(payment_id, invoice_id)] = found
    lock_invoice(invoice_id)
    payment = lock_payment(payment_id)
    failed = Refund.objects.select_for_update(no_key=True).get(pk=refund_id)
    done = Refund.objects.filter(retry_of=failed).first()
    if done is not None:
        return RefundRetry(refund=done, repeated=True)
    if failed.status != RefundStatus.FAILED:
        # Made, or waiting for the gateway: asked for again already (a refund given up
        # unanswered is made pending again as itself), or never failed. Nothing to ask.
        return RefundRetry(refund=failed, repeated=True)
    if failed.request_id is not None:
        standing = (
            Refund.objects.filter(request_id=failed.request_id)
            .exclude(status=RefundStatus.FAILED)
            .aggregate(cents=Coalesce(Sum("amount_cents"), 0))["cents"]
        )
        if standing + failed.amount_cents > failed.request.amount_cents:
            raise RefundRefused(
                _("This refund was made up for since: asking for it again would give back more.")
            )
    if failed.amount_cents > payment.refundable_cents:
        raise RefundRefused(
            _("A refund cannot be more than what is left of the payment (%(amount)s).")
            % {"amount": format_cents(payment.refundable_cents, payment.currency)}
        )
    if failed.provider_status == REFUND_UNANSWERED:
        _reopen_locked(failed, payment)
        return RefundRetry(refund=failed, repeated=False)
    retry = _pending_refund_locked(
        payment,
        amount_cents=failed.amount_cents,
        retry_of=failed,
        request_id=failed.request_id,
        reason=failed.reason,
        origin=failed.origin,
        policy=failed.policy,
        issued_by=actor,
        idempotency_key=refund_key("payments.refund_retry", failed.pk),
    )
    logger.info("Refund %s refused: asked for again as refund %s", failed.pk, retry.pk)
    return RefundRetry(refund=retry, repeated=False)


def _refund_with_key(payment: Payment, key: uuid.UUID) -> Refund | None:
    refund = Refund.objects.filter(idempotency_key=key).first()
    if refund is not None and refund.payment_id != payment.pk:
        raise RefundRefused(_("This refund form was already used for another payment."))
    return refund


# The namespace of the request keys services derive from their own rows (`refund_key`).
_REFUND_KEYS = uuid.UUID("6f1d3c0e-4b1a-5e8f-9a57-2f0c6d8e1b94")


def refund_key(*parts: object) -> uuid.UUID:
    """The request key named by `parts` (``refund_key("taxes.credit_refund", row.pk)``): the
    same parts give the same key, so a service whose row names the request needs to keep
    nothing more."""
    return uuid.uuid5(_REFUND_KEYS, ":".join(str(part) for part in parts))


def refund_by_policy(
    *,
    invoices: Sequence[Invoice],
    reason: str,
    idempotency_key: uuid.UUID,
    amount_cents: int | None = None,
    policy: str = "",
) -> list[Refund]:
    """Refund `amount_cents` of what was paid on `invoices` (all of it if None), with no staff,
    once per `idempotency_key`.

    For a service's own refund policy: a booking cancelled in time calls it from its refund
    task. The service decides whether and how much; this records the request (a
    `RefundRequest` with the key) and its parts before the gateway is asked, spreading the
    amount over the invoices (newest first) and their successful payments (newest first),
    then refunds each part through its gateway. `policy` names the rule that decided
    (``"bookings.cancelled_in_time"``), kept on each refund.

    The key names the request: the service makes it when it decides (and passes it to its
    task), or derives it from its own row (`refund_key`). Called again with it (a task
    delivered again after its worker died, a retry after a refusal, a second click), the
    request as first recorded is finished, never repeated: its parts still waiting for the
    gateway's answer are sent again (each with its own idempotency key, so the gateway
    answers with the refund it made, if it made it), and so is a part given up with no
    answer (pending again, looked up at the gateway first), a part the gateway refused is
    asked for again, and nothing else; the amount and reason given again are not looked at.

    Returns the request's refunds that stand (succeeded, or pending while the gateway has
    not answered), in the order made. Must be called outside a transaction (gateway calls
    are never made inside one; a RuntimeError says so): call it after commit
    (`transaction.on_commit`) or from a task. Raises RefundRefused for no reason, an amount
    that is not positive or above what is left to refund, a key used with another policy;
    GatewayError when a gateway refuses a part: the parts already made stand, those not sent
    yet are left pending for the retry task, the error's `refunds` lists every refund of the
    request (made, refused, pending) and its `refund_id` names the part refused.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RefundRefused(_("Give a reason for the refund."))
    # Durable: never inside the caller's transaction (RuntimeError if it is).
    with transaction.atomic(durable=True):
        locked = [lock_invoice(pk) for pk in sorted({invoice.pk for invoice in invoices})]
        payments = list(
            Payment.objects.select_for_update(no_key=True)
            .filter(invoice__in=locked, status=PaymentStatus.SUCCEEDED)
            .order_by("-invoice_id", "-settled_at", "-pk")
        )
        request = RefundRequest.objects.filter(idempotency_key=idempotency_key).first()
        if request is None:
            left = sum(p.refundable_cents for p in payments)
            wanted = left if amount_cents is None else amount_cents
            _check_reason_and_amount(reason, wanted)
            request = RefundRequest.objects.create(
                idempotency_key=idempotency_key,
                amount_cents=wanted,
                reason=reason[:255],
                policy=policy[:64],
            )
        elif request.policy != policy[:64]:
            raise RefundRefused(_("This refund request was already made for another purpose."))
        _reopen_unanswered(request, payments)
        _reserve_parts(request, payments)
    logger.info("Refund request %s under policy %r recorded", request.pk, policy)
    waiting = list(request.refunds.filter(status=RefundStatus.PENDING).order_by("pk"))
    for refund in waiting:
        try:
            _send(refund)
        except GatewayError as error:
            error.refunds = list(request.refunds.order_by("pk"))
            error.refund_id = refund.pk
            raise
    return list(request.refunds.exclude(status=RefundStatus.FAILED).order_by("pk"))


def _reopen_unanswered(request: RefundRequest, payments: list[Payment]) -> None:
    """Make pending again, on the locked `payments`, the parts of `request` given up with no
    answer: the gateway may have made them, so each is sent again as itself (its own
    idempotency key, looked up at the gateway first), never replaced by a new refund."""
    by_pk = {payment.pk: payment for payment in payments}
    unanswered = (
        request.refunds.select_for_update(no_key=True)
        .filter(status=RefundStatus.FAILED, provider_status=REFUND_UNANSWERED)
        .order_by("pk")
    )
    for refund in unanswered:
        payment = by_pk.get(refund.payment_id)
        if payment is None or refund.amount_cents > payment.refundable_cents:
            left = payment.refundable_cents if payment is not None else 0
            raise RefundRefused(
                _("A refund cannot be more than what is left of the payment (%(amount)s).")
                % {"amount": format_cents(left, refund.payment.currency)}
            )
        _reopen_locked(refund, payment)


def _reopen_locked(refund: Refund, payment: Payment) -> None:
    """Make pending again a refund given up with no answer (it and its `payment` locked by
    the caller), its amount reserved again: its gateway call is made again under its own
    key, after the gateway is asked whether it made it (`intents._run_refund`)."""
    refund.status = RefundStatus.PENDING
    refund.save(update_fields=["status", "updated_at"])
    payment.refund_pending_cents += refund.amount_cents
    payment.save(update_fields=["refund_pending_cents", "updated_at"])
    GatewayIntent.objects.filter(refund=refund).update(
        status=IntentStatus.PENDING,
        attempts=0,
        completed_at=None,
        claimed_until=claim_until(timezone.now()),
        updated_at=timezone.now(),
    )
    logger.info("Refund %s given up unanswered: asked for again", refund.pk)


def _reserve_parts(request: RefundRequest, payments: list[Payment]) -> None:
    """Record, on the locked `payments`, the parts of `request` not yet made nor waiting."""
    standing = request.refunds.exclude(status=RefundStatus.FAILED).aggregate(
        cents=Coalesce(Sum("amount_cents"), 0)
    )["cents"]
    wanted = request.amount_cents - standing
    if wanted <= 0:
        return
    left = sum(p.refundable_cents for p in payments)
    if wanted > left:
        currency = payments[0].currency if payments else ""
        raise RefundRefused(
            _("A refund cannot be more than what is left of the payment (%(amount)s).")
            % {"amount": format_cents(left, currency)}
        )
    for payment in payments:
        part = min(wanted, payment.refundable_cents)
        if part <= 0:
            continue
        _pending_refund_locked(
            payment,
            amount_cents=part,
            request=request,
            reason=request.reason,
            origin=RefundOrigin.POLICY,
            policy=request.policy,
        )
        wanted -= part
        if wanted == 0:
            break
