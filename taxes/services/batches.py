"""Bulk payers' batches: a CSV file of parcels and amounts, checked against the bills, paid
once through the payments app, and each bill settled by its row's amount when it is paid.

The file has a header with `parcel_number` (or `parcel`) and `amount` columns, and optionally
`tax_year` (else the parcel's latest bill). `batch_upload` reads it whole and refuses it
whole: any row that cannot be paid (no such parcel or bill, an amount that is not an amount,
a parcel twice) is listed with its row number and nothing is saved. Rows that can be paid but
differ from the bill (an amount other than what is owed today, a bill already paid) are saved
with their discrepancy for the payer to review before paying.

`batch_payment_start` issues one invoice for the total (`PURPOSE`). When it is paid, the
payments app's signal (taxes.receivers) calls `batch_invoice_paid`, which applies each row
to its bill through `checkout.bill_invoice_paid` (penalties and interest first, then the
oldest instalment; beyond what is owed, a credit), once: a second call finds the batch paid.
"""

from __future__ import annotations

import datetime
import re
from typing import BinaryIO

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from payments.models import Invoice, InvoiceStatus
from payments.money import AmountRefused, parse_amount
from payments.services import LineItem, invoice_create
from taxes.charges import agency_date
from taxes.exceptions import BatchRefused, FileRefused
from taxes.models import (
    BatchStatus,
    Discrepancy,
    PaymentBatch,
    PaymentBatchLine,
    TaxBill,
)
from taxes.models.parcels import PARCEL_NUMBER_PATTERN
from taxes.payer_files import rows_read
from taxes.payer_selectors import bills_owed
from taxes.services.checkout import INVOICE_LIFETIME, bill_invoice_paid

PURPOSE = "taxes.batch"
_PARCEL = ("parcel_number", "parcel")


def _rows(stream: BinaryIO) -> tuple[str, list[tuple[int, str, str, str, bool]]]:
    """The file's SHA-256 and its rows as (row number, parcel, amount, tax year) texts, with
    whether the row has more cells than the header."""
    try:
        read = rows_read(
            stream=stream,
            columns={"parcel_number": _PARCEL, "amount": ("amount",), "tax_year": ("tax_year",)},
            required=("parcel_number", "amount"),
            header_error=_(
                "The header needs the columns parcel_number and amount (missing: %(missing)s)."
            ),
        )
    except FileRefused as refused:
        raise BatchRefused(refused.errors) from None
    rows = [
        (
            row.line,
            row.cells["parcel_number"].upper(),
            row.cells["amount"],
            row.cells["tax_year"],
            row.too_wide,
        )
        for row in read.rows
    ]
    return read.sha256, rows


def _parse(rows):
    """Each row's parcel, amount in cents and tax year (None: the latest), and the errors."""
    errors, parsed, seen = [], [], {}
    for line, parcel, amount_text, year_text, too_wide in rows:
        if too_wide:
            errors.append(
                (
                    line,
                    _(
                        "The row has more cells than the header: write an amount with a "
                        'thousands comma in quotes ("1,250.00") or without the comma.'
                    ),
                )
            )
            continue
        if not re.fullmatch(PARCEL_NUMBER_PATTERN, parcel):
            errors.append(
                (
                    line,
                    _("Parcel number “%(value)s” is not valid.") % {"value": parcel[:40]}
                    if parcel
                    else _("The parcel number is missing."),
                )
            )
            continue
        try:
            amount = parse_amount(amount_text)
        except AmountRefused as error:
            errors.append(
                (
                    line,
                    _("Parcel %(parcel)s: the amount “%(value)s” is refused: %(reason)s")
                    % {"parcel": parcel, "value": amount_text[:20], "reason": error},
                )
            )
            continue
        if amount <= 0:
            errors.append(
                (
                    line,
                    _("Parcel %(parcel)s: the amount must be more than zero.") % {"parcel": parcel},
                )
            )
            continue
        year = None
        if year_text:
            # ASCII digits only: str.isdigit() also takes superscript and other digits
            # that int() refuses.
            if not (year_text.isascii() and year_text.isdigit() and 1900 <= int(year_text) <= 2200):
                errors.append(
                    (line, _("Tax year “%(value)s” is not a year.") % {"value": year_text[:10]})
                )
                continue
            year = int(year_text)
        if (parcel, year) in seen:
            errors.append(
                (
                    line,
                    _("The parcel %(parcel)s is on row %(other)d already.")
                    % {"parcel": parcel, "other": seen[(parcel, year)]},
                )
            )
            continue
        seen[(parcel, year)] = line
        parsed.append((line, parcel, amount, year))
    return parsed, errors


def _bills_for(parsed) -> tuple[dict, list]:
    """The bill each row pays (by row number), and the rows for which there is none."""
    numbers = {parcel for _line, parcel, _amount, _year in parsed}
    bills: dict[str, dict[int, TaxBill]] = {}
    for bill in TaxBill.objects.filter(parcel__number__in=numbers).select_related("parcel"):
        bills.setdefault(bill.parcel.number, {})[bill.tax_year] = bill
    found, errors = {}, []
    for line, parcel, _amount, year in parsed:
        years = bills.get(parcel)
        if not years:
            errors.append(
                (line, _("Parcel %(parcel)s is unknown: check the number.") % {"parcel": parcel})
            )
        elif year is not None and year not in years:
            errors.append(
                (
                    line,
                    _("Parcel %(parcel)s has no bill for %(year)d.")
                    % {"parcel": parcel, "year": year},
                )
            )
        else:
            found[line] = years[year if year is not None else max(years)]
    return found, errors


def batch_upload(
    *, stream: BinaryIO, file_name: str, payer, now: datetime.datetime | None = None
) -> PaymentBatch:
    """Check a bulk payer's file against the bills and save it, ready to pay.

    Raises BatchRefused with every error by row (up to the first 200) when any row cannot be
    paid; nothing is saved then. A bill paid twice in the file (the same bill by two rows) is
    an error; a row whose amount differs from what the bill owes today, or for a bill already
    paid, is saved with its discrepancy.

    The same file sent again by the same payer while its batch is still to be paid (a double
    click, or the file sent again the next day) returns that batch: a payer has at most one
    batch to pay per file (a UNIQUE constraint, so two uploads at once cannot make two).
    Once that batch is paid, the same file is a new batch, whose report shows the bills paid.
    """
    sha256, rows = _rows(stream)
    if waiting := _ready_batch(payer=payer, sha256=sha256):
        return waiting
    parsed, errors = _parse(rows)
    found, unknown = _bills_for(parsed)
    errors = sorted(errors + unknown, key=lambda error: error[0] or 0)
    by_bill: dict[int, int] = {}
    for line, bill in sorted(found.items()):
        if bill.pk in by_bill:
            errors.append(
                (
                    line,
                    _("The bill %(number)s is on row %(other)d already.")
                    % {"number": bill.number, "other": by_bill[bill.pk]},
                )
            )
        by_bill[bill.pk] = line
    if errors:
        raise BatchRefused(errors)
    owed = bills_owed(bills=list(found.values()), on=agency_date(now or timezone.now()))
    try:
        return _batch_save(
            payer=payer, file_name=file_name, sha256=sha256, parsed=parsed, found=found, owed=owed
        )
    except IntegrityError:
        # The same file sent at the same instant: that upload saved it.
        if waiting := _ready_batch(payer=payer, sha256=sha256):
            return waiting
        raise


def _ready_batch(*, payer, sha256: str) -> PaymentBatch | None:
    return PaymentBatch.objects.filter(
        payer=payer, file_sha256=sha256, status=BatchStatus.READY
    ).first()


def _batch_save(*, payer, file_name: str, sha256: str, parsed, found, owed) -> PaymentBatch:
    with transaction.atomic():
        batch = PaymentBatch.objects.create(
            payer=payer,
            file_name=file_name[:255],
            file_sha256=sha256,
            total_cents=sum(amount for _line, _parcel, amount, _year in parsed),
        )
        lines = []
        for line, _parcel, amount, _year in parsed:
            bill = found[line]
            due = owed[bill.pk]
            discrepancy = (
                Discrepancy.PAID
                if due == 0
                else Discrepancy.AMOUNT
                if amount != due
                else Discrepancy.NONE
            )
            lines.append(
                PaymentBatchLine(
                    batch=batch,
                    row=line,
                    bill=bill,
                    amount_cents=amount,
                    due_cents=due,
                    discrepancy=discrepancy,
                )
            )
        PaymentBatchLine.objects.bulk_create(lines, batch_size=1000)
    return batch


def batch_payment_start(
    *, batch: PaymentBatch, payer, now: datetime.datetime | None = None
) -> Invoice:
    """The invoice that pays `batch` in one payment: the open one a first click issued, or a
    new one. Raises BatchRefused when the batch is paid already."""
    now = now or timezone.now()
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == BatchStatus.REPLACED:
            raise BatchRefused(
                [
                    (
                        None,
                        _(
                            "This batch was replaced by an earlier upload of the same file: "
                            "pay that one."
                        ),
                    )
                ]
            )
        if batch.status != BatchStatus.READY:
            raise BatchRefused([(None, _("This batch is paid already."))])
        kind = ContentType.objects.get_for_model(PaymentBatch)
        issued = (
            Invoice.objects.filter(
                subject_type=kind,
                subject_id=batch.pk,
                purpose=PURPOSE,
                status=InvoiceStatus.OPEN,
                amount_paid_cents=0,
                expires_at__gt=now,
            )
            .order_by("-pk")
            .first()
        )
        if issued is not None:
            return issued
        count = batch.lines.count()
        return invoice_create(
            purpose=PURPOSE,
            description=ngettext(
                "Property taxes: %(count)d bill (%(file)s)",
                "Property taxes: %(count)d bills (%(file)s)",
                count,
            )
            % {"count": count, "file": batch.file_name[:100]},
            lines=[LineItem(_("Property tax bills of the batch"), batch.total_cents)],
            payer=payer,
            subject=batch,
            expires_at=now + INVOICE_LIFETIME,
            notify=False,
        )


def batch_invoice_paid(*, invoice_id: int, batch_id: int, started_at) -> PaymentBatch:
    """Settle each bill of a paid batch by its row's amount, once per invoice.

    Runs in the payment's transaction. The batch is locked and marked paid; a second call for
    the same invoice finds its bills settled by it and changes nothing (and each bill's
    BillPayment is UNIQUE per invoice and bill). A second invoice of the batch paid as well
    (a checkout begun before the first invoice's day ran out, completed after the payer was
    given a new one) is applied the same way, so its money is never lost: on bills the first
    paid off it is kept as credits, which staff refund to the payer. Bills are locked in
    primary-key order, like every lock on bills.
    """
    batch = PaymentBatch.objects.select_for_update().get(pk=batch_id)
    if batch.bill_payments.filter(invoice_id=invoice_id).exists():
        return batch
    for line in batch.lines.order_by("bill_id"):
        bill_invoice_paid(
            invoice_id=invoice_id,
            bill_id=line.bill_id,
            amount_cents=line.amount_cents,
            started_at=started_at,
            batch_id=batch.pk,
        )
    if batch.status != BatchStatus.PAID:
        batch.status, batch.paid_at = BatchStatus.PAID, timezone.now()
        batch.save(update_fields=["status", "paid_at", "updated_at"])
    return batch
