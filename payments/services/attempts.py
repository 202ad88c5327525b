"""Checkout attempts and settlement: start, settle, decline, expire, check, counter payments.

`payment_settle` (with its locked core `settle_locked`) is the one place that marks an
invoice paid or partly paid. Stripe's webhook, the check of a Stripe session when the payer
returns or the webhook is late, the local test gateway and counter payments all go through
it, so the same rules hold whichever way the money came: the amount and currency must match
the attempt, a payment is applied at most once and never beyond the balance, and money that
cannot be applied is kept for staff to review.
"""

from __future__ import annotations

import datetime
import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from payments.exceptions import (
    InvoiceNotPayable,
    OnlinePaymentUnavailable,
    PaymentRefused,
)
from payments.gateways import GatewayError, get_gateway, online_gateway
from payments.models import (
    COUNTER_METHODS,
    PAYABLE_STATUSES,
    SETTLED_STATUSES,
    GatewayIntent,
    IntentKind,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentGateway,
    PaymentMethod,
    PaymentStatus,
    ReviewReason,
    SettlementSource,
)
from payments.money import format_cents
from payments.services._locks import announce, lock_invoice, lock_payment, require_role
from payments.services.intents import claim_until, intent_claim, intent_run
from payments.services.receipts import receipt_issue

logger = logging.getLogger("payments")

# An attempt about to expire is not handed out again: the payer would land on a dead page.
_REUSE_MARGIN = datetime.timedelta(minutes=2)


class SettleOutcome:
    SETTLED = "settled"
    ALREADY_SETTLED = "already_settled"
    FLAGGED = "flagged"


def _require_payable(invoice: Invoice) -> None:
    if invoice.status == InvoiceStatus.PAID:
        raise InvoiceNotPayable(_("This invoice has already been paid."))
    if invoice.status in SETTLED_STATUSES:
        raise InvoiceNotPayable(_("This invoice has already been paid."))
    if invoice.status == InvoiceStatus.VOID:
        raise InvoiceNotPayable(_("This invoice was cancelled and cannot be paid."))
    if invoice.status == InvoiceStatus.EXPIRED or not invoice.is_payable:
        raise InvoiceNotPayable(_("This invoice has expired and cannot be paid."))


def check_amount(invoice: Invoice, amount_cents) -> int:
    """Return the amount one payment of `invoice` may be, or raise PaymentRefused.

    Without a minimum, the whole balance in one payment; with one, at least the minimum (or
    what is left, if less) and never more than the balance.
    """
    balance = invoice.balance_cents
    if type(amount_cents) is not int or amount_cents <= 0:
        raise PaymentRefused(_("A payment must be for a positive amount."))
    if amount_cents > balance:
        raise PaymentRefused(
            _("A payment cannot be more than the balance due (%(amount)s).")
            % {"amount": format_cents(balance, invoice.currency)}
        )
    if amount_cents < invoice.smallest_payment_cents:
        if invoice.minimum_payment_cents is None:
            raise PaymentRefused(
                _("This invoice is paid in one payment of %(amount)s.")
                % {"amount": format_cents(balance, invoice.currency)}
            )
        raise PaymentRefused(
            _("A part payment must be at least %(amount)s.")
            % {"amount": format_cents(invoice.smallest_payment_cents, invoice.currency)}
        )
    return amount_cents


def _payer_fields(payer_name: str, payer_email: str) -> dict:
    return {
        "payer_name": (payer_name or "").strip()[:150],
        "payer_email": (payer_email or "").strip(),
    }


def _flag(payment: Payment, *, reason: str, amount_cents: int | None, currency: str) -> None:
    payment.status = PaymentStatus.NEEDS_REVIEW
    payment.review_reason = reason
    if amount_cents is not None:
        # What actually arrived, for staff to refund or reconcile.
        payment.amount_cents = amount_cents
        payment.currency = (currency or payment.currency).upper()[:3]
    payment.save()
    logger.warning(
        "Payment %s of invoice %s flagged for review: %s", payment.pk, payment.invoice_id, reason
    )


def settle_locked(
    invoice: Invoice,
    payment: Payment,
    *,
    amount_cents: int | None,
    currency: str,
    source: str,
    provider_payment_id: str = "",
    method: str = "",
) -> str:
    """Apply money received for `payment` to `invoice`; both rows locked by the caller.

    Returns a SettleOutcome: SETTLED (the payment is counted, the invoice is paid or partly
    paid, its receipt issued and the change announced), ALREADY_SETTLED (this payment was
    applied before: nothing changes) or FLAGGED (money arrived that cannot be applied: not
    the attempt's amount or currency, more than the balance, or an invoice already paid or
    closed; the payment is kept as `needs_review` and the invoice untouched).
    """
    if payment.status == PaymentStatus.SUCCEEDED:
        return SettleOutcome.ALREADY_SETTLED
    if payment.status == PaymentStatus.NEEDS_REVIEW:
        return SettleOutcome.FLAGGED
    if provider_payment_id:
        payment.provider_payment_id = provider_payment_id
        # Stripe may have reported a refund of this payment before the payment itself.
        transaction.on_commit(lambda: _apply_waiting_events(provider_payment_id), robust=True)
    if (
        amount_cents is None
        or amount_cents <= 0
        or amount_cents != payment.amount_cents
        or (currency or "").upper() != invoice.currency
    ):
        _flag(
            payment,
            reason=ReviewReason.AMOUNT_MISMATCH,
            amount_cents=amount_cents,
            currency=currency,
        )
        return SettleOutcome.FLAGGED
    if invoice.status not in PAYABLE_STATUSES:
        reason = (
            ReviewReason.DUPLICATE
            if invoice.status in SETTLED_STATUSES
            else ReviewReason.INVOICE_CLOSED
        )
        _flag(payment, reason=reason, amount_cents=amount_cents, currency=currency)
        return SettleOutcome.FLAGGED
    if amount_cents > invoice.balance_cents:
        _flag(
            payment, reason=ReviewReason.OVER_BALANCE, amount_cents=amount_cents, currency=currency
        )
        return SettleOutcome.FLAGGED
    now = timezone.now()
    payment.status = PaymentStatus.SUCCEEDED
    payment.amount_cents = amount_cents
    payment.settled_at = now
    payment.settled_via = source
    payment.failure_reason = ""
    if method:
        payment.method = method
    payment.save(
        update_fields=[
            "status",
            "amount_cents",
            "settled_at",
            "settled_via",
            "failure_reason",
            "method",
            "provider_payment_id",
            "updated_at",
        ]
    )
    old_status = invoice.status
    invoice.amount_paid_cents += amount_cents
    if invoice.amount_paid_cents == invoice.total_cents:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = now
    else:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    invoice.save(update_fields=["status", "amount_paid_cents", "paid_at", "updated_at"])
    receipt_issue(invoice=invoice, payment=payment)
    announce(invoice, old_status=old_status)
    logger.info(
        "Invoice %s: payment %s of %s cents via %s (%s)",
        invoice.pk,
        payment.pk,
        amount_cents,
        source,
        invoice.status,
    )
    return SettleOutcome.SETTLED


def _apply_waiting_events(provider_payment_id: str) -> None:
    # Imported here: the webhook module builds on this one.
    from payments.services.webhooks import webhook_events_apply_waiting

    webhook_events_apply_waiting(provider_payment_id=provider_payment_id)


def payment_settle(
    *,
    payment: Payment,
    amount_cents: int | None,
    currency: str,
    source: str,
    provider_payment_id: str = "",
    method: str = "",
) -> str:
    """Apply money the gateway confirmed for `payment`; see `settle_locked` for the outcome.

    Safe to call any number of times for the same payment, from any number of processes:
    the invoice and the payment are locked, and a payment already applied is left alone.
    """
    with transaction.atomic():
        invoice = lock_invoice(payment.invoice_id)
        locked = lock_payment(payment.pk)
        return settle_locked(
            invoice,
            locked,
            amount_cents=amount_cents,
            currency=currency,
            source=source,
            provider_payment_id=provider_payment_id,
            method=method,
        )


def _end_attempt(payment_id: int, *, status: str, reason: str) -> bool:
    """Move a pending attempt to `status`; False (and nothing changes) if it is not pending."""
    with transaction.atomic():
        payment = Payment.objects.select_related("invoice").get(pk=payment_id)
        lock_invoice(payment.invoice_id)
        payment = lock_payment(payment_id)
        if payment.status != PaymentStatus.PENDING:
            return False
        payment.status = status
        payment.failure_reason = reason[:255]
        payment.save(update_fields=["status", "failure_reason", "updated_at"])
    return True


def payment_fail(*, payment: Payment, reason: str) -> bool:
    """Record that a pending attempt was declined; False if it had already ended."""
    return _end_attempt(payment.pk, status=PaymentStatus.FAILED, reason=reason)


def payment_expire(*, payment: Payment, reason: str = "Checkout expired") -> bool:
    """Record that a pending attempt expired; False if it had already ended (e.g. was paid)."""
    return _end_attempt(payment.pk, status=PaymentStatus.EXPIRED, reason=reason)


def _retire_stale(stale_id: int) -> str | None:
    """Settle or expire a pending attempt that cannot be reused; return the settle outcome
    if it turned out to be paid.

    Asks the provider first, with no lock held: the payer may have paid just before it
    expired and the webhook may not have arrived yet.
    """
    stale = Payment.objects.get(pk=stale_id)
    gateway = get_gateway(stale.gateway)
    try:
        state = gateway.checkout_state(payment=stale)
    except GatewayError:
        state = None
    with transaction.atomic():
        invoice = lock_invoice(stale.invoice_id)
        stale = lock_payment(stale_id)
        if stale.status != PaymentStatus.PENDING:
            return None
        if state is not None and state.paid:
            return settle_locked(
                invoice,
                stale,
                amount_cents=state.amount_cents,
                currency=state.currency,
                source=SettlementSource.SESSION_CHECK,
                provider_payment_id=state.provider_payment_id,
                method=PaymentMethod.CARD,
            )
        stale.status = PaymentStatus.EXPIRED
        stale.failure_reason = "Replaced by a new attempt"
        stale.save(update_fields=["status", "failure_reason", "updated_at"])
        transaction.on_commit(lambda: gateway.expire_checkout(payment=stale), robust=True)
    return None


def _wait_for_checkout(payment: Payment) -> Payment:
    """Wait (no lock held) for another request to record the checkout it is creating."""
    deadline = time.monotonic() + settings.PAYMENTS_GATEWAY_TIMEOUT_SECONDS + 1
    while time.monotonic() < deadline:
        payment.refresh_from_db()
        if payment.checkout_url or payment.status != PaymentStatus.PENDING:
            return payment
        time.sleep(0.1)
    raise GatewayError("The checkout is still being created.", retryable=True)


def _reusable(pending: Payment, *, gateway_code: str, amount_cents: int, payer: dict, now) -> bool:
    """Whether the payer can be sent to `pending` (same gateway, amount and payer, not about
    to expire); one whose checkout is still being created counts (its call is made again)."""
    return (
        pending.gateway == gateway_code
        and pending.amount_cents == amount_cents
        and pending.payer_name == payer["payer_name"]
        and pending.payer_email == payer["payer_email"]
        and pending.expires_at is not None
        and pending.expires_at > now + _REUSE_MARGIN
    )


def payment_attempt_start(
    *,
    invoice: Invoice,
    success_url: str,
    cancel_url: str,
    amount_cents: int | None = None,
    payer_name: str = "",
    payer_email: str = "",
) -> Payment:
    """Start (or resume) paying `invoice` online; return the attempt to send the payer to.

    Idempotent: while an attempt is in progress and not about to expire, every call (a
    double click, a reloaded page, two tabs) returns that same attempt, so one invoice never
    has two open checkouts. An attempt that has expired is checked with the provider and
    replaced. If that check finds it paid, the settled attempt is returned (status
    SUCCEEDED) instead of a new one.

    `success_url` and `cancel_url` are absolute addresses the gateway sends the payer back
    to. `amount_cents` is the balance unless the invoice takes part payments (see
    `check_amount`); `payer_name` and `payer_email` name someone paying for the person billed
    (their receipt goes to them). Raises OnlinePaymentUnavailable (PAYMENTS_GATEWAY=none),
    InvoiceNotPayable (paid, cancelled, expired), PaymentRefused (an amount the invoice does
    not take) or GatewayError (the provider refused or did not answer).
    """
    gateway = online_gateway()
    if gateway is None:
        raise OnlinePaymentUnavailable(
            _("Online payment is not available. Please pay at the counter.")
        )
    payer = _payer_fields(payer_name, payer_email)
    for _round in range(3):
        stale_id, in_flight = None, False
        # Durable: never inside the caller's transaction, which would hold the invoice's lock
        # while the gateway answers (RuntimeError if it is).
        with transaction.atomic(durable=True):
            invoice = lock_invoice(invoice.pk)
            _require_payable(invoice)
            wanted = check_amount(
                invoice, invoice.balance_cents if amount_cents is None else amount_cents
            )
            now = timezone.now()
            payment = (
                invoice.payments.select_for_update(no_key=True)
                .filter(status=PaymentStatus.PENDING)
                .first()
            )
            if payment is not None and not _reusable(
                payment, gateway_code=gateway.code, amount_cents=wanted, payer=payer, now=now
            ):
                stale_id, payment = payment.pk, None
            elif payment is not None and not payment.checkout_url:
                # Another click is creating this checkout right now, or its process died.
                in_flight = not intent_claim(payment=payment, now=now)
            elif payment is None:
                payment = Payment.objects.create(
                    invoice=invoice,
                    gateway=gateway.code,
                    method=PaymentMethod.CARD
                    if gateway.code == PaymentGateway.STRIPE
                    else PaymentMethod.TEST,
                    amount_cents=wanted,
                    currency=invoice.currency,
                    **payer,
                    success_url=success_url,
                    cancel_url=cancel_url,
                    expires_at=now + datetime.timedelta(minutes=settings.PAYMENTS_CHECKOUT_MINUTES),
                )
                GatewayIntent.objects.create(
                    kind=IntentKind.CHECKOUT, payment=payment, claimed_until=claim_until(now)
                )
                logger.info(
                    "Invoice %s: checkout attempt %s recorded (%s)",
                    invoice.pk,
                    payment.pk,
                    gateway.code,
                )
        if stale_id is not None:
            # Outside the lock: asking the gateway about it may take a while.
            if _retire_stale(stale_id) == SettleOutcome.SETTLED:
                # The payer had paid that attempt after all: no second checkout.
                return Payment.objects.get(pk=stale_id)
            continue
        if in_flight:
            return _wait_for_checkout(payment)
        if not payment.checkout_url:
            # Just recorded, or taken over from a process that died: make the call with the
            # attempt's idempotency key (a repeat gets the first call's session).
            intent = payment.intents.get(kind=IntentKind.CHECKOUT)
            intent_run(intent_id=intent.pk)
            payment.refresh_from_db()
        return payment
    raise InvoiceNotPayable(_("This invoice is being paid in another window. Please try again."))


def payment_refresh(*, payment: Payment) -> Payment:
    """Ask the gateway about a pending attempt and record what it says; return it fresh.

    Used when the payer comes back from Stripe before the webhook, and by the periodic check
    of attempts the webhook never reported. The payer's redirect alone proves nothing: only
    Stripe's own answer settles. Raises GatewayError if the provider cannot be asked.
    """
    if payment.status != PaymentStatus.PENDING:
        return payment
    state = get_gateway(payment.gateway).checkout_state(payment=payment)
    if state is not None and state.paid:
        payment_settle(
            payment=payment,
            amount_cents=state.amount_cents,
            currency=state.currency,
            source=SettlementSource.SESSION_CHECK,
            provider_payment_id=state.provider_payment_id,
            method=PaymentMethod.CARD,
        )
    else:
        # Without a provider's say (the local gateway), the attempt's own expiry decides.
        expired = (
            state.status == "expired"
            if state is not None
            else payment.expires_at is not None and payment.expires_at <= timezone.now()
        )
        if expired:
            payment_expire(payment=payment)
    payment.refresh_from_db()
    return payment


def payment_local_complete(*, payment: Payment, approved: bool) -> str | None:
    """The payer's answer on the local test gateway's page: approve or decline.

    Approval settles through `settle_locked` exactly like a Stripe payment. Returns the
    settle outcome, or None when declined or when the attempt had already ended or expired.
    """
    if payment.gateway != PaymentGateway.LOCAL:
        raise ValueError("Only a local test gateway attempt can be completed here.")
    if not approved:
        payment_fail(payment=payment, reason="Declined on the test gateway")
        return None
    with transaction.atomic():
        invoice = lock_invoice(payment.invoice_id)
        locked = lock_payment(payment.pk)
        if locked.status != PaymentStatus.PENDING:
            return None
        if locked.expires_at is not None and locked.expires_at <= timezone.now():
            locked.status = PaymentStatus.EXPIRED
            locked.failure_reason = "Checkout expired"
            locked.save(update_fields=["status", "failure_reason", "updated_at"])
            return None
        return settle_locked(
            invoice,
            locked,
            amount_cents=locked.amount_cents,
            currency=locked.currency,
            source=SettlementSource.LOCAL,
            provider_payment_id=f"local_pay_{locked.public_id.hex}",
            method=PaymentMethod.TEST,
        )


def payment_record_counter(
    *,
    invoice: Invoice,
    method: str,
    amount_cents: int,
    actor,
    note: str = "",
    payer_name: str = "",
    payer_email: str = "",
) -> Payment:
    """Record a payment taken at the counter (cash, check, card at the desk) by staff.

    The amount is the balance, or a part of it if the invoice takes part payments (see
    `check_amount`); `payer_name` and `payer_email` name someone paying for the person
    billed. A checkout in progress online is closed first, so the payer cannot pay twice.
    Raises PaymentRefused (not staff, unknown method, an amount the invoice does not take)
    or InvoiceNotPayable.
    """
    require_role(actor, permissions.TAKE_PAYMENT, exception=PaymentRefused)
    if method not in COUNTER_METHODS:
        raise PaymentRefused(_("Choose cash, check or card at the desk."))
    payer = _payer_fields(payer_name, payer_email)
    with transaction.atomic():
        invoice = lock_invoice(invoice.pk)
        if invoice.status not in PAYABLE_STATUSES:
            _require_payable(invoice)
        check_amount(invoice, amount_cents)
        for pending in invoice.payments.select_for_update(no_key=True).filter(
            status=PaymentStatus.PENDING
        ):
            pending.status = PaymentStatus.EXPIRED
            pending.failure_reason = "Paid at the counter instead"
            pending.save(update_fields=["status", "failure_reason", "updated_at"])
            gateway = get_gateway(pending.gateway)
            transaction.on_commit(lambda g=gateway, p=pending: g.expire_checkout(payment=p))
        payment = Payment.objects.create(
            invoice=invoice,
            gateway=PaymentGateway.COUNTER,
            method=method,
            amount_cents=amount_cents,
            currency=invoice.currency,
            recorded_by=actor,
            note=note.strip()[:255],
            **payer,
        )
        settle_locked(
            invoice,
            payment,
            amount_cents=amount_cents,
            currency=invoice.currency,
            source=SettlementSource.COUNTER,
            method=method,
        )
    return payment


def payment_review_resolve(*, payment: Payment, actor, note: str) -> Payment:
    """Mark a flagged payment as dealt with by staff (refunded or reconciled outside)."""
    require_role(actor, permissions.REFUND, exception=PaymentRefused)
    note = note.strip()
    if not note:
        raise ValueError("Say how the payment was dealt with.")
    with transaction.atomic():
        lock_invoice(payment.invoice_id)
        payment = lock_payment(payment.pk)
        if payment.status != PaymentStatus.NEEDS_REVIEW:
            raise PaymentRefused(_("Only a payment flagged for review can be resolved."))
        if payment.reviewed_at is None:
            payment.reviewed_at = timezone.now()
            payment.reviewed_by = actor
            payment.note = note[:255]
            payment.save(update_fields=["reviewed_at", "reviewed_by", "note", "updated_at"])
    return payment


def attempts_check_stale(*, now: datetime.datetime | None = None, limit: int = 100) -> int:
    """Ask the gateway about attempts still pending well after they expired; return how many
    were resolved (settled or expired).

    These are checkouts the webhook never reported (Stripe could not reach the portal, or
    the endpoint is misconfigured). Safe to run repeatedly: each check goes through
    `payment_refresh`. Attempts the provider cannot be asked about stay listed for staff.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.PAYMENTS_WEBHOOK_GRACE_MINUTES)
    stale = Payment.objects.filter(
        status=PaymentStatus.PENDING,
        gateway__in=[PaymentGateway.STRIPE, PaymentGateway.LOCAL],
        expires_at__lt=cutoff,
    ).order_by("pk")[:limit]
    resolved = 0
    for payment in stale:
        try:
            refreshed = payment_refresh(payment=payment)
        except GatewayError:
            continue
        if refreshed.status != PaymentStatus.PENDING:
            resolved += 1
    return resolved
