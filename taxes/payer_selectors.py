"""Reads for bulk payers and credits: what many bills owe at once, a payer's batches, the
credits still to refund (for the bill's owner, and for staff)."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from payments.models import Invoice, Receipt, Refund, RefundStatus
from taxes import charges
from taxes.models import (
    BillPayment,
    CreditRefund,
    Discrepancy,
    Instalment,
    PaymentBatch,
    TaxBill,
)
from taxes.selectors import instalment_states, schedule_current


def bills_owed(*, bills: list[TaxBill], on: datetime.date) -> dict[int, int]:
    """What pays each bill off on `on`, by bill id, in three queries whatever the number of
    bills (instalments, their payments, the rules)."""
    instalments = list(Instalment.objects.filter(bill__in=bills).order_by("bill_id", "sequence"))
    states = instalment_states(instalments=instalments)
    schedule = schedule_current(due_dates=[instalment.due_date for instalment in instalments])
    by_bill: dict[int, list[charges.InstalmentState]] = {bill.pk: [] for bill in bills}
    for instalment, state in zip(instalments, states, strict=True):
        by_bill[instalment.bill_id].append(state)
    return {
        bill_id: charges.payoff(bill_states, schedule, on).total_cents
        for bill_id, bill_states in by_bill.items()
    }


def batches_of(*, user) -> QuerySet[PaymentBatch]:
    """The payment batches `user` uploaded (nobody else's)."""
    if user is None or not user.is_authenticated:
        return PaymentBatch.objects.none()
    return PaymentBatch.objects.filter(payer=user)


def batch_of(*, user, batch_id: int) -> PaymentBatch | None:
    return batches_of(user=user).filter(pk=batch_id).first()


def _with_invoice_reference(payments: QuerySet[BillPayment]) -> QuerySet[BillPayment]:
    return payments.annotate(
        invoice_reference=Subquery(
            Invoice.objects.filter(pk=OuterRef("invoice_id")).values("reference")[:1]
        )
    )


def credits_of_bill(*, bill: TaxBill) -> list[BillPayment]:
    """The bill's payments that left a credit, with the refund asked for each (if any)."""
    return list(
        BillPayment.objects.filter(bill=bill, credit_cents__gt=0)
        .select_related("credit_refund")
        .order_by("created_at", "pk")
    )


def credits_to_refund() -> QuerySet[BillPayment]:
    """Every credit not refunded yet (or whose refund failed), oldest first, for staff: with
    the bill, parcel, batch and the invoice's reference, in one query."""
    # A refund asked for stands unless it failed, or the gateway later refused every refund
    # that carries it (CreditRefund.refund_ids).
    standing = ArraySubquery(
        Refund.objects.filter(payment__invoice_id=OuterRef("bill_payment__invoice_id"))
        .exclude(status=RefundStatus.FAILED)
        .values("pk")
    )
    refunded = (
        CreditRefund.objects.filter(bill_payment=OuterRef("pk"))
        .exclude(status="failed")
        .filter(Q(refund_ids=[]) | Q(refund_ids__overlap=standing))
    )
    return _with_invoice_reference(
        BillPayment.objects.filter(credit_cents__gt=0)
        .exclude(Exists(refunded))
        .select_related("bill__parcel", "batch", "credit_refund")
        .order_by("created_at", "pk")
    )


def credit_refunds_recent(*, limit: int = 50) -> list[CreditRefund]:
    return list(
        CreditRefund.objects.select_related("bill_payment__bill", "requested_by").order_by(
            "-created_at", "-pk"
        )[:limit]
    )


def receipts_for_payer(*, bill: TaxBill, user, invoice_ids: list[int]) -> list[Receipt]:
    """The receipts of this bill's payments made by this visitor: the invoices started in
    their browser (`invoice_ids`, from the session) or paid from their account. Someone who
    merely holds the bill never sees another payer's receipt (it names them)."""
    paying = Q(pk__in=[pk for pk in invoice_ids if isinstance(pk, int)])
    if user is not None and user.is_authenticated:
        paying |= Q(payer=user)
    invoices = Invoice.objects.filter(
        paying,
        purpose="taxes.bill",
        subject_type=ContentType.objects.get_for_model(TaxBill),
        subject_id=bill.pk,
    )
    return list(
        Receipt.objects.filter(invoice__in=invoices)
        .select_related("invoice")
        .order_by("issued_at", "pk")
    )


def receipt_for_payer(*, bill: TaxBill, user, invoice_ids: list[int], number: str):
    for receipt in receipts_for_payer(bill=bill, user=user, invoice_ids=invoice_ids):
        if receipt.number == number:
            return receipt
    return None


def batch_report(*, batch: PaymentBatch) -> dict:
    """A batch's rows with their bills and discrepancies, and the counts by discrepancy."""
    lines = list(batch.lines.select_related("bill__parcel").order_by("row"))
    counts = dict.fromkeys(Discrepancy.values, 0)
    for line in lines:
        counts[line.discrepancy] += 1
    return {
        "batch": batch,
        "lines": lines,
        "amount_differs": counts[Discrepancy.AMOUNT],
        "already_paid": counts[Discrepancy.PAID],
    }
