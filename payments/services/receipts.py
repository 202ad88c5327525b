"""Receipts: numbered when money moves, announced to the payer, e-mailed with their PDF."""

from __future__ import annotations

import functools
import json
import logging

from django.db import connection, transaction
from django.utils import timezone

from cases.references import reference_allocate
from notifications.models import NotificationChannel
from notifications.services import bulk_enqueue_params, bulk_enqueue_sql
from payments.mail import message_context, receipt_email, template_key
from payments.models import Invoice, Payment, Receipt, ReceiptKind, Refund
from payments.tokens import invoice_url

logger = logging.getLogger("payments")


def _schedule_email(receipt_id: int) -> None:
    from payments.tasks import email_receipt

    def enqueue() -> None:
        # A broker outage must not turn a committed payment into an error; the receipt stays
        # downloadable and `emailed_at` shows it was not sent.
        try:
            email_receipt.delay(receipt_id)
        except Exception:
            logger.warning("Could not enqueue the e-mail of receipt %s", receipt_id)

    transaction.on_commit(enqueue)


@functools.cache
def _queue_sql() -> str:
    # The outbox's set-based enqueue over one recipient: one statement, whatever the channels.
    return """
WITH recipient AS (
    SELECT %(account_id)s::bigint AS account_id, %(guest_email)s::text AS guest_email,
           ''::text AS guest_phone, %(guest_language)s::text AS guest_language,
           %(context)s::jsonb AS context, %(link_url)s::text AS link_url, %(key)s::text AS key,
           statement_timestamp() AS available_at
)
""" + bulk_enqueue_sql(recipients="recipient")


def _queue(*, template: str, context: dict, key: str, invoice: Invoice, channels) -> None:
    """Queue a receipt's message to the person billed: the account holder by their
    preferences, or the guest at the invoice's address, in the invoice's language.

    Pending rows (in-app ones too), written by one statement in the settling transaction;
    the receipt's e-mail task has them sent at once (see `payments.tasks.email_receipt`).
    """
    params = bulk_enqueue_params(template_key=template, channels=channels)
    params.update(
        account_id=invoice.payer_id,
        guest_email="" if invoice.payer_id is not None else invoice.guest_email,
        guest_language=invoice.language or "",
        context=json.dumps(context),
        link_url=invoice_url(invoice=invoice),
        key=key,
    )
    with connection.cursor() as cursor:
        cursor.execute(_queue_sql(), params)


def receipt_issue(*, invoice: Invoice, payment: Payment, refund: Refund | None = None) -> Receipt:
    """Number and store the receipt of `payment` (or of `refund`), and tell the payer.

    Runs inside the settling or refunding transaction. The payer hears of it in-app and by
    SMS through the outbox (one statement queues both), and by e-mail with the PDF attached
    once the transaction commits.
    A payment made by someone other than the person billed (`payment.payer_email`) sends the
    e-mailed receipt to that payer and tells the person billed who paid what.
    """
    receipt = Receipt.objects.create(
        number=reference_allocate(prefix="RCT"),
        kind=ReceiptKind.REFUND if refund is not None else ReceiptKind.PAYMENT,
        invoice=invoice,
        payment=payment,
        refund=refund,
        amount_cents=refund.amount_cents if refund is not None else payment.amount_cents,
    )
    if payment.payer_email and refund is None:
        # Paid by someone other than the person billed: the receipt goes to the one who
        # paid (by e-mail, below); the person billed is told, on every channel they take.
        _queue(
            template="payments/paid_by_other",
            context={
                **message_context(receipt),
                "payer_name": payment.payer_name or payment.payer_email,
                "balance_cents": invoice.balance_cents,
            },
            key=f"payments:receipt:{receipt.number}:billed",
            invoice=invoice,
            channels=NotificationChannel.values,
        )
    elif invoice.payer_id is not None:
        # E-mail goes separately, with the PDF attached (the outbox cannot attach files).
        _queue(
            template=template_key(receipt),
            context=message_context(receipt),
            key=f"payments:receipt:{receipt.number}",
            invoice=invoice,
            channels=[NotificationChannel.SMS, NotificationChannel.IN_APP],
        )
    _schedule_email(receipt.pk)
    return receipt


def receipt_email_send(*, receipt_id: int) -> bool:
    """E-mail receipt `receipt_id` with its PDF to the payer, once; return whether it was sent.

    Safe to run twice: the receipt row is locked while sending and marked once the mail
    backend has accepted the message, so a second run finds it sent. A crash between the
    provider's acceptance and the commit can resend it (same Message-ID); losing a receipt
    would be worse. Payers who turned e-mail off are skipped.
    """
    with transaction.atomic():
        receipt = (
            Receipt.objects.select_for_update(of=("self",), no_key=True)
            .select_related("invoice__payer", "payment", "refund")
            .get(pk=receipt_id)
        )
        if receipt.emailed_at is not None:
            return False
        message = receipt_email(receipt)
        if message is None:
            return False
        message.send(fail_silently=False)
        receipt.emailed_at = timezone.now()
        receipt.save(update_fields=["emailed_at"])
    logger.info("Receipt %s e-mailed", receipt.pk)
    return True
