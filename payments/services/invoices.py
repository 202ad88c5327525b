"""Invoices: issue, cancel, expire."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.references import reference_allocate
from notifications.services import notification_send
from payments.exceptions import InvoiceNotOpen
from payments.gateways import get_gateway
from payments.models import Invoice, InvoiceLine, InvoiceStatus, PaymentStatus
from payments.services._locks import announce, lock_invoice
from payments.tokens import invoice_url

logger = logging.getLogger("payments")


@dataclass(frozen=True)
class LineItem:
    """One charge to put on an invoice: `quantity` times `unit_amount_cents`."""

    description: str
    unit_amount_cents: int
    quantity: int = 1


def _line_items(lines: Sequence[LineItem | Mapping]) -> list[LineItem]:
    items = [line if isinstance(line, LineItem) else LineItem(**line) for line in lines]
    if not items:
        raise ValueError("An invoice needs at least one line.")
    for item in items:
        # bool is an int in Python; True cents is a bug, not an amount.
        if type(item.unit_amount_cents) is not int or item.unit_amount_cents < 0:
            raise ValueError("A line's unit amount must be a whole, non-negative number of cents.")
        if type(item.quantity) is not int or item.quantity < 1:
            raise ValueError("A line's quantity must be a whole number of at least 1.")
        if not item.description.strip():
            raise ValueError("A line needs a description.")
    return items


def invoice_create(
    *,
    purpose: str,
    description: str,
    lines: Sequence[LineItem | Mapping],
    payer=None,
    guest_name: str = "",
    guest_email: str = "",
    subject=None,
    due_date: datetime.date | None = None,
    expires_at: datetime.datetime | None = None,
    language: str | None = None,
    notify: bool = True,
) -> Invoice:
    """Issue an invoice of `lines` to a resident (`payer`) or a guest (`guest_email`).

    `purpose` is ``"<your app>.<kind of charge>"``; `subject` (any saved model instance) is
    what it pays for; both come back in `invoice_status_changed`. `expires_at` makes an
    unpaid invoice stop being payable (a booking hold). With `notify`, the payer is told,
    with a link to pay (a signed link for a guest). The currency is the agency's.

    Raises ValueError for no lines, a negative or fractional amount, a total of zero, or no
    payer at all.
    """
    items = _line_items(lines)
    total = sum(item.unit_amount_cents * item.quantity for item in items)
    if total <= 0:
        raise ValueError("An invoice must ask for more than nothing.")
    guest_email = guest_email.strip()
    if payer is None and not guest_email:
        raise ValueError("An invoice needs a payer: an account or a guest's e-mail address.")
    if payer is not None:
        guest_name, guest_email = "", ""
    with transaction.atomic():
        invoice = Invoice.objects.create(
            reference=reference_allocate(prefix="INV"),
            purpose=purpose,
            description=description.strip(),
            subject_type=ContentType.objects.get_for_model(subject)
            if subject is not None
            else None,
            subject_id=subject.pk if subject is not None else None,
            payer=payer,
            guest_name=guest_name.strip(),
            guest_email=guest_email,
            language=language or (payer.preferred_language if payer else settings.LANGUAGE_CODE),
            currency=settings.AGENCY["currency"].upper(),
            total_cents=total,
            due_date=due_date,
            expires_at=expires_at,
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                position=position,
                description=item.description.strip(),
                quantity=item.quantity,
                unit_amount_cents=item.unit_amount_cents,
                amount_cents=item.quantity * item.unit_amount_cents,
            )
            for position, item in enumerate(items, start=1)
        )
        if notify:
            notification_send(
                template_key="payments/invoice_issued",
                context={
                    "invoice_reference": invoice.reference,
                    "description": invoice.description,
                    "amount_cents": invoice.total_cents,
                    "currency": invoice.currency,
                    "due_date": due_date.isoformat() if due_date else "",
                },
                dedupe_key=f"payments:invoice:{invoice.pk}:issued",
                user=payer,
                email=guest_email if payer is None else "",
                link_url=invoice_url(invoice=invoice),
            )
    logger.info("Invoice %s issued for %s", invoice.pk, purpose)
    return invoice


def _close(invoice: Invoice, *, status: str, reason: str) -> None:
    """Move an open, locked invoice to void or expired and close its checkout in progress."""
    now = timezone.now()
    for payment in invoice.payments.filter(status=PaymentStatus.PENDING).select_for_update(
        no_key=True
    ):
        payment.status = PaymentStatus.EXPIRED
        payment.failure_reason = reason
        payment.save(update_fields=["status", "failure_reason", "updated_at"])
        gateway = get_gateway(payment.gateway)
        transaction.on_commit(lambda g=gateway, p=payment: g.expire_checkout(payment=p))
    old_status = invoice.status
    invoice.status = status
    invoice.closed_at = now
    invoice.save(update_fields=["status", "closed_at", "updated_at"])
    announce(invoice, old_status=old_status)


def invoice_lock(*, invoice_id: int) -> Invoice:
    """Lock the invoice until the transaction ends, and return it.

    Settling a payment locks the invoice, then, through `invoice_status_changed`, what it
    pays for. A service that holds what an invoice pays for and may void the invoice takes
    this lock first, so the two never wait for each other crosswise. Needs a transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("invoice_lock needs a transaction.")
    return lock_invoice(invoice_id)


def invoice_void(*, invoice: Invoice) -> Invoice:
    """Cancel an unpaid invoice (the thing it paid for was withdrawn).

    Its checkout in progress is closed. Raises InvoiceNotOpen if it is not open (a paid
    invoice is refunded instead).
    """
    with transaction.atomic():
        invoice = lock_invoice(invoice.pk)
        if invoice.status != InvoiceStatus.OPEN:
            raise InvoiceNotOpen(_("Only an unpaid invoice can be cancelled."))
        _close(invoice, status=InvoiceStatus.VOID, reason="Invoice cancelled")
    return invoice


def invoices_expire_due(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Expire open invoices past their `expires_at`; return how many were expired.

    An invoice whose payer is still inside an unexpired checkout is left until that checkout
    ends, so nobody is cut off mid-payment. Safe to run repeatedly and concurrently: each
    invoice is locked and checked again (locked rows are skipped, not waited for).
    """
    now = now or timezone.now()
    busy = Invoice.objects.filter(
        payments__status=PaymentStatus.PENDING, payments__expires_at__gt=now
    ).values("pk")
    candidates = list(
        Invoice.objects.filter(status=InvoiceStatus.OPEN, expires_at__lte=now)
        .exclude(pk__in=busy)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for invoice_id in candidates:
        with transaction.atomic():
            invoice = (
                Invoice.objects.select_for_update(no_key=True, skip_locked=True)
                .filter(pk=invoice_id, status=InvoiceStatus.OPEN, expires_at__lte=now)
                .first()
            )
            if (
                invoice is None
                or invoice.payments.filter(
                    status=PaymentStatus.PENDING, expires_at__gt=now
                ).exists()
            ):
                continue
            _close(invoice, status=InvoiceStatus.EXPIRED, reason="Invoice expired")
            expired += 1
    return expired
