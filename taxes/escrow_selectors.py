"""Reads for mortgage lenders: the lenders an account sends files for, their escrow files
(nobody else's), and a file's rows with what each does or did."""

from __future__ import annotations

from django.db.models import QuerySet

from taxes.models import EscrowFile, EscrowFileStatus, EscrowOutcome, Lender


def lenders_of(*, user) -> QuerySet[Lender]:
    """The lenders `user` is a member of (none for a visitor)."""
    if user is None or not user.is_authenticated:
        return Lender.objects.none()
    return Lender.objects.filter(members=user)


def escrow_files_of(*, user) -> QuerySet[EscrowFile]:
    """The escrow files of the lenders `user` is a member of, whoever of them sent them."""
    return EscrowFile.objects.filter(lender__in=lenders_of(user=user)).select_related("lender")


def escrow_file_of(*, user, file_id: int) -> EscrowFile | None:
    return escrow_files_of(user=user).filter(pk=file_id).first()


def _same_lender(name: str, lender: Lender) -> bool:
    return name.strip().lower() == lender.name.strip().lower()


def escrow_file_report(*, escrow_file: EscrowFile) -> dict:
    """The file's rows with their bills, each with its outcome: as recorded once confirmed,
    else what confirming would do today; and the counts by outcome."""
    rows = list(escrow_file.rows.select_related("bill__parcel").order_by("row"))
    if escrow_file.status == EscrowFileStatus.PREVIEW:
        for row in rows:
            escrowed_by = row.bill.escrow_lender
            row.outcome = (
                EscrowOutcome.MARKED
                if not escrowed_by.strip()
                else EscrowOutcome.UNCHANGED
                if _same_lender(escrowed_by, escrow_file.lender)
                else EscrowOutcome.CONFLICT
            )
    counts = dict.fromkeys(EscrowOutcome.values, 0)
    for row in rows:
        counts[row.outcome] += 1
    return {
        "escrow_file": escrow_file,
        "rows": rows,
        "marked": counts[EscrowOutcome.MARKED],
        "unchanged": counts[EscrowOutcome.UNCHANGED],
        "conflicts": counts[EscrowOutcome.CONFLICT],
    }
