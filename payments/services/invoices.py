"""Invoices: issue, add adjustments and credits, cancel, expire."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.references import reference_allocate
from notifications.services import notification_send
from payments.exceptions import InvoiceExists, InvoiceNotOpen
from payments.gateways import get_gateway
from payments.models import (
    PAYABLE_STATUSES,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    PaymentStatus,
)
from payments.services._locks import announce, lock_invoice
from payments.tokens import invoice_url

logger = logging.getLogger("payments")


@dataclass(frozen=True)
class LineItem:
    """One line to put on an invoice: `quantity` times `unit_amount_cents`.

    A charge is zero or more, a credit less than zero (``LineItem(_("Early payment"), -500,
    kind="credit")``), an adjustment either.
    """

    description: str
    unit_amount_cents: int
    quantity: int = 1
    kind: str = LineKind.CHARGE


def _line_items(lines: Sequence[LineItem | Mapping]) -> list[LineItem]:
    items = [line if isinstance(line, LineItem) else LineItem(**line) for line in lines]
    if not items:
        raise ValueError("An invoice needs at least one line.")
    for item in items:
        # bool is an int in Python; True cents is a bug, not an amount.
        if type(item.unit_amount_cents) is not int:
            raise ValueError("A line's unit amount must be a whole number of cents.")
        if item.kind not in LineKind.values:
            raise ValueError("A line is a charge, an adjustment or a credit.")
        if item.kind == LineKind.CHARGE and item.unit_amount_cents < 0:
            raise ValueError("A charge cannot be negative: make it a credit or an adjustment.")
        if item.kind == LineKind.CREDIT and item.unit_amount_cents >= 0:
            raise ValueError("A credit takes money off: its amount must be below zero.")
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
    minimum_payment_cents: int | None = None,
    external_number: str = "",
    lookup_code: str = "",
    billed_last_name: str = "",
    one_per_subject: bool = False,
) -> Invoice:
    """Issue an invoice of `lines` to a resident (`payer`) or a guest (`guest_email`).

    `purpose` is ``"<your app>.<kind of charge>"``; `subject` (any saved model instance) is
    what it pays for; both come back in `invoice_status_changed`. `expires_at` makes an
    unpaid invoice stop being payable (a booking hold). With `notify`, the payer is told,
    with a link to pay (a signed link for a guest). The currency is the agency's.

    `minimum_payment_cents` lets the invoice be paid in parts of at least that amount
    (instalments); without it, it is paid in one payment. `external_number` (a tax bill or
    parcel number) with `lookup_code` or `billed_last_name` lets the holder of a paper bill
    find it at the public bill look-up (`payments:bills`).

    `one_per_subject` makes this the only invoice of `purpose` for `subject`, kept by a
    unique constraint: a second raises InvoiceExists carrying the first, and changes nothing.

    Raises ValueError for no lines, a fractional amount, a charge below zero or a credit
    above, a total of zero or less, a minimum that is not positive, or no payer at all.
    """
    items = _line_items(lines)
    total = sum(item.unit_amount_cents * item.quantity for item in items)
    if total <= 0:
        raise ValueError("An invoice must ask for more than nothing.")
    if minimum_payment_cents is not None and (
        type(minimum_payment_cents) is not int or minimum_payment_cents <= 0
    ):
        raise ValueError("The smallest part payment must be a positive number of cents.")
    guest_email = guest_email.strip()
    if payer is None and not guest_email:
        raise ValueError("An invoice needs a payer: an account or a guest's e-mail address.")
    if payer is not None:
        guest_name, guest_email = "", ""
    if one_per_subject and subject is None:
        raise ValueError("An invoice made once per subject needs its subject.")
    subject_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    with transaction.atomic():
        try:
            invoice = _invoice_insert(
                one_per_subject=one_per_subject,
                reference=reference_allocate(prefix="INV"),
                purpose=purpose,
                description=description.strip(),
                subject_type=subject_type,
                subject_id=subject.pk if subject is not None else None,
                payer=payer,
                guest_name=guest_name.strip(),
                guest_email=guest_email,
                language=language
                or (payer.preferred_language if payer else settings.LANGUAGE_CODE),
                currency=settings.AGENCY["currency"].upper(),
                total_cents=total,
                due_date=due_date,
                expires_at=expires_at,
                minimum_payment_cents=minimum_payment_cents,
                external_number=_normalise_number(external_number),
                lookup_code=_normalise_number(lookup_code),
                billed_last_name=billed_last_name.strip(),
            )
        except IntegrityError as error:
            if _ONE_PER_SUBJECT not in str(error):
                raise
            existing = Invoice.objects.get(
                purpose=purpose,
                subject_type=subject_type,
                subject_id=subject.pk,
                one_per_subject=True,
            )
            raise InvoiceExists(
                _("This charge is invoiced already (%(reference)s).")
                % {"reference": existing.reference},
                existing=existing,
            ) from error
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                position=position,
                description=item.description.strip(),
                kind=item.kind,
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


_ONE_PER_SUBJECT = "payments_invoice_one_per_subject"


def _invoice_insert(*, one_per_subject: bool, **fields) -> Invoice:
    """Insert the invoice row; one made once per subject is inserted in a savepoint, so a
    refusal by the unique constraint leaves the caller's transaction usable."""
    if not one_per_subject:
        return Invoice.objects.create(**fields)
    with transaction.atomic():
        return Invoice.objects.create(one_per_subject=True, **fields)


def _normalise_number(value: str) -> str:
    """Bill numbers and codes as printed: compared without case, spaces or dashes."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def invoice_add_line(*, invoice: Invoice, line: LineItem) -> Invoice:
    """Add an adjustment or credit (or a further charge) to an invoice still being paid.

    The total becomes the sum of the lines. It may not fall below what was already paid,
    nor to zero while nothing was paid (cancel the invoice instead); a credit that brings
    the total down to what was paid leaves the invoice paid. Raises InvoiceNotOpen if the
    invoice no longer takes payments, ValueError for a line that cannot stand.
    """
    (item,) = _line_items([line])
    amount = item.unit_amount_cents * item.quantity
    with transaction.atomic():
        invoice = lock_invoice(invoice.pk)
        if invoice.status not in PAYABLE_STATUSES:
            raise InvoiceNotOpen(_("Only an invoice still being paid can be adjusted."))
        total = invoice.total_cents + amount
        if total < invoice.amount_paid_cents:
            raise ValueError("The total cannot fall below what was already paid; refund instead.")
        if total <= 0:
            raise ValueError("The total cannot fall to zero; cancel the invoice instead.")
        last = invoice.lines.order_by("-position").values_list("position", flat=True).first()
        InvoiceLine.objects.create(
            invoice=invoice,
            position=(last or 0) + 1,
            description=item.description.strip(),
            kind=item.kind,
            quantity=item.quantity,
            unit_amount_cents=item.unit_amount_cents,
            amount_cents=amount,
        )
        old_status = invoice.status
        invoice.total_cents = total
        fields = ["total_cents", "updated_at"]
        if invoice.amount_paid_cents == total:
            invoice.status = InvoiceStatus.PAID
            invoice.paid_at = timezone.now()
            fields += ["status", "paid_at"]
            _expire_pending(invoice, reason="Invoice settled by a credit")
        invoice.save(update_fields=fields)
        if invoice.status != old_status:
            announce(invoice, old_status=old_status)
    logger.info("Invoice %s: %s line of %s cents added", invoice.pk, item.kind, amount)
    return invoice


def _expire_pending(invoice: Invoice, *, reason: str) -> None:
    """End the locked invoice's checkout in progress, and close it at the gateway later."""
    for payment in invoice.payments.filter(status=PaymentStatus.PENDING).select_for_update(
        no_key=True
    ):
        payment.status = PaymentStatus.EXPIRED
        payment.failure_reason = reason
        payment.save(update_fields=["status", "failure_reason", "updated_at"])
        gateway = get_gateway(payment.gateway)
        transaction.on_commit(lambda g=gateway, p=payment: g.expire_checkout(payment=p))


def _close(invoice: Invoice, *, status: str, reason: str) -> None:
    """Move an open, locked invoice to void or expired and close its checkout in progress."""
    now = timezone.now()
    _expire_pending(invoice, reason=reason)
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
