"""Lenders' escrow files: the parcels a mortgage lender pays from escrow for a tax year.

The file has a header with `parcel_number` (or `parcel`) and optionally `loan_reference`
(or `loan_number`). `escrow_file_upload` reads it whole and refuses it whole when a row
cannot be taken (a parcel number that is not one, a parcel unknown or without a bill for the
year, a parcel twice): every row is then returned with its problem to show the file, and
nothing is saved. Otherwise the file is saved as a preview of its rows.

`escrow_file_apply` (the lender's confirmation) marks the bills in a few set-based
statements, in one transaction: a bill nobody escrows is marked escrowed by the lender, a
bill the lender escrows already is left as it is (so the same file sent again changes
nothing), and a bill another lender escrows is a conflict, never overwritten: the tax office
settles it with both. Each row keeps what it did; each bill marked gets an entry on its
timeline.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import BinaryIO

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taxes.exceptions import EscrowFileRefused, FileRefused
from taxes.models import (
    BillEventKind,
    EscrowFile,
    EscrowFileRow,
    EscrowFileStatus,
    Lender,
    Parcel,
    TaxBill,
)
from taxes.models.parcels import PARCEL_NUMBER_PATTERN
from taxes.payer_files import rows_read

COLUMNS = {
    "parcel_number": ("parcel_number", "parcel"),
    "loan_reference": ("loan_reference", "loan_number", "loan"),
}
MAX_LOAN_REFERENCE = 64


@dataclass
class EscrowRow:
    """A row of the file as read, for the preview: its bill (None when there is none), and
    its problem ("" for none)."""

    line: int
    parcel: str
    loan_reference: str
    bill: TaxBill | None = None
    problem: str = ""


def _read(stream: BinaryIO) -> tuple[str, list[EscrowRow]]:
    try:
        read = rows_read(
            stream=stream,
            columns=COLUMNS,
            required=("parcel_number",),
            header_error=_("The header needs the column parcel_number (missing: %(missing)s)."),
        )
    except FileRefused as refused:
        raise EscrowFileRefused(refused.errors) from None
    rows = []
    for row in read.rows:
        parcel, loan = row.cells["parcel_number"].upper(), row.cells["loan_reference"]
        escrow_row = EscrowRow(row.line, parcel, loan)
        if row.too_wide:
            escrow_row.problem = _("The row has more cells than the header.")
        elif not parcel:
            escrow_row.problem = _("The parcel number is missing.")
        elif not re.fullmatch(PARCEL_NUMBER_PATTERN, parcel):
            escrow_row.problem = _("Parcel number “%(value)s” is not valid.") % {
                "value": parcel[:40]
            }
        elif len(loan) > MAX_LOAN_REFERENCE:
            escrow_row.problem = _("The loan reference is longer than %(max)d characters.") % {
                "max": MAX_LOAN_REFERENCE
            }
        rows.append(escrow_row)
    return read.sha256, rows


def _check(rows: list[EscrowRow], *, tax_year: int) -> None:
    """Give each row its bill for `tax_year`, or its problem: unknown parcel, no bill for the
    year, the parcel on an earlier row."""
    numbers = {row.parcel for row in rows if not row.problem}
    bills = {
        bill.parcel.number: bill
        for bill in TaxBill.objects.filter(
            parcel__number__in=numbers, tax_year=tax_year
        ).select_related("parcel")
    }
    known = set(
        Parcel.objects.filter(number__in=numbers - bills.keys()).values_list("number", flat=True)
    )
    seen: dict[str, int] = {}
    for row in rows:
        if row.problem:
            continue
        if row.parcel in seen:
            row.problem = _("The parcel %(parcel)s is on row %(other)d already.") % {
                "parcel": row.parcel,
                "other": seen[row.parcel],
            }
            continue
        seen[row.parcel] = row.line
        row.bill = bills.get(row.parcel)
        if row.bill is None:
            row.problem = (
                _("Parcel %(parcel)s has no bill for %(year)d.")
                % {"parcel": row.parcel, "year": tax_year}
                if row.parcel in known
                else _("Parcel %(parcel)s is unknown: check the number.") % {"parcel": row.parcel}
            )


def escrow_file_upload(
    *, stream: BinaryIO, file_name: str, lender: Lender, tax_year: int, uploaded_by
) -> EscrowFile:
    """Check a lender's file of escrowed parcels against the bills of `tax_year` and save it
    as a preview; no bill changes until it is confirmed (`escrow_file_apply`).

    Raises EscrowFileRefused when the file cannot be read or any row cannot be taken: its
    `errors` by row (up to the first 200) and its `rows`, each with its problem; nothing is
    saved then. Parcels another lender escrows are no error here: the preview shows them.
    """
    sha256, rows = _read(stream)
    _check(rows, tax_year=tax_year)
    errors = [(row.line, row.problem) for row in rows if row.problem]
    if errors:
        raise EscrowFileRefused(errors, rows=rows)
    with transaction.atomic():
        escrow_file = EscrowFile.objects.create(
            lender=lender,
            tax_year=tax_year,
            file_name=file_name[:255],
            file_sha256=sha256,
            uploaded_by=uploaded_by,
        )
        EscrowFileRow.objects.bulk_create(
            [
                EscrowFileRow(
                    file=escrow_file, row=row.line, bill=row.bill, loan_reference=row.loan_reference
                )
                for row in rows
            ],
            batch_size=1000,
        )
    return escrow_file


# Bills are locked in primary-key order, like every lock on bills, so that two files (or a
# payment) touching the same bills wait for each other instead of deadlocking.
_LOCK = """
SELECT b.id FROM taxes_taxbill b JOIN taxes_escrowfilerow r ON r.bill_id = b.id
WHERE r.file_id = %(file)s ORDER BY b.id FOR UPDATE OF b
"""
# What each row does, read under the locks: a name that differs only in case or spaces is
# the same lender (a roll may spell it in capitals).
_OUTCOMES = """
UPDATE taxes_escrowfilerow r
SET outcome = CASE
    WHEN btrim(b.escrow_lender) = '' THEN 'marked'
    WHEN lower(btrim(b.escrow_lender)) = lower(btrim(%(lender)s)) THEN 'unchanged'
    ELSE 'conflict' END
FROM taxes_taxbill b
WHERE b.id = r.bill_id AND r.file_id = %(file)s
"""
_MARK = """
UPDATE taxes_taxbill b SET escrow_lender = %(lender)s, updated_at = now()
FROM taxes_escrowfilerow r
WHERE b.id = r.bill_id AND r.file_id = %(file)s AND r.outcome = 'marked'
"""
_EVENTS = """
INSERT INTO taxes_billevent (bill_id, kind, key, data, created_at)
SELECT r.bill_id, %(kind)s, 'escrow:' || r.file_id,
       jsonb_build_object('lender', %(lender)s, 'file', r.file_id, 'tax_year', %(year)s,
                          'loan_reference', r.loan_reference),
       now()
FROM taxes_escrowfilerow r WHERE r.file_id = %(file)s AND r.outcome = 'marked'
ON CONFLICT (bill_id, key) DO NOTHING
"""
_COUNTS = """
SELECT count(*) FILTER (WHERE outcome = 'marked'), count(*) FILTER (WHERE outcome = 'unchanged'),
       count(*) FILTER (WHERE outcome = 'conflict')
FROM taxes_escrowfilerow WHERE file_id = %(file)s
"""


def escrow_file_apply(
    *, escrow_file: EscrowFile, actor, now: datetime.datetime | None = None
) -> EscrowFile:
    """Mark the bills of a previewed escrow file escrowed by its lender, once.

    One transaction: the file is locked, then its bills (in primary-key order); each row's
    outcome is decided under the locks (a bill another lender took since the preview is a
    conflict). A second call finds the file confirmed and changes nothing.
    """
    with transaction.atomic():
        escrow_file = (
            EscrowFile.objects.select_for_update().select_related("lender").get(pk=escrow_file.pk)
        )
        if escrow_file.status == EscrowFileStatus.APPLIED:
            return escrow_file
        params = {
            "file": escrow_file.pk,
            "lender": escrow_file.lender.name,
            "year": escrow_file.tax_year,
            "kind": BillEventKind.ESCROWED,
        }
        with connection.cursor() as cursor:
            for statement in (_LOCK, _OUTCOMES, _MARK, _EVENTS, _COUNTS):
                cursor.execute(statement, params)
            marked, unchanged, conflicting = cursor.fetchone()
        escrow_file.status = EscrowFileStatus.APPLIED
        escrow_file.applied_at, escrow_file.applied_by = now or timezone.now(), actor
        escrow_file.bills_marked, escrow_file.bills_unchanged = marked, unchanged
        escrow_file.bills_conflicting = conflicting
        escrow_file.save(
            update_fields=[
                "status",
                "applied_at",
                "applied_by",
                "bills_marked",
                "bills_unchanged",
                "bills_conflicting",
                "updated_at",
            ]
        )
    return escrow_file
