"""Refunds, full or partial, issued by staff or learned from Stripe."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from cases import permissions
from payments.exceptions import RefundRefused
from payments.gateways import get_gateway
from payments.models import Invoice, InvoiceStatus, Payment, PaymentStatus, Refund
from payments.money import format_cents
from payments.services._locks import announce, lock_invoice, lock_payment, require_role
from payments.services.receipts import receipt_issue

logger = logging.getLogger("payments")


def refund_apply_locked(invoice: Invoice, payment: Payment, refund: Refund) -> None:
    """Count a saved refund on its payment and invoice (both locked), issue its receipt and
    announce the invoice's new status.

    The database refuses totals above what was paid (CHECK constraints), so even a bug here
    cannot refund more than was received.
    """
    payment.amount_refunded_cents += refund.amount_cents
    payment.save(update_fields=["amount_refunded_cents", "updated_at"])
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


def refund_issue(*, payment: Payment, amount_cents: int, reason: str, actor) -> Refund:
    """Give back `amount_cents` of a successful payment, through its gateway.

    Stripe payments are refunded through Stripe's API with the refund's own idempotency key
    (a retry never refunds twice); local and counter payments are recorded (the money is
    handed back at the desk). The invoice becomes partially refunded or refunded, the payer
    gets a refund receipt, and the owning app hears of it.

    Raises RefundRefused when `actor`'s staff role does not refund (a cashier, supervisor or
    administrator does; see cases/permissions.py), the amount is not positive or is above
    what is left to refund, or the payment did not succeed; GatewayError when Stripe refuses
    (nothing is recorded then).
    """
    require_role(actor, permissions.REFUND, exception=RefundRefused)
    reason = (reason or "").strip()
    if not reason:
        raise RefundRefused(_("Give a reason for the refund."))
    if type(amount_cents) is not int or amount_cents <= 0:
        raise RefundRefused(_("A refund must be for a positive amount."))
    with transaction.atomic():
        invoice = lock_invoice(payment.invoice_id)
        payment = lock_payment(payment.pk)
        payment.invoice = invoice
        if payment.status != PaymentStatus.SUCCEEDED:
            raise RefundRefused(_("Only a successful payment can be refunded."))
        if amount_cents > payment.refundable_cents:
            raise RefundRefused(
                _("A refund cannot be more than what is left of the payment (%(amount)s).")
                % {"amount": format_cents(payment.refundable_cents, payment.currency)}
            )
        refund = Refund.objects.create(
            payment=payment, amount_cents=amount_cents, reason=reason[:255], issued_by=actor
        )
        # Inside the transaction on purpose: if the gateway refuses, no refund is recorded;
        # if the commit failed after Stripe refunded, Stripe's charge.refunded webhook
        # records it (see webhooks.py).
        result = get_gateway(payment.gateway).refund(payment=payment, refund=refund)
        refund.provider_reference = result.provider_reference
        refund.provider_status = result.provider_status
        refund.save(update_fields=["provider_reference", "provider_status", "updated_at"])
        refund_apply_locked(invoice, payment, refund)
    return refund
