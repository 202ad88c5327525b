"""A bill with an open conflict between the roll and its escrow file's lender, made through
the real services: the roll, First Mortgage Bank's confirmed file, then a roll naming Second
Savings."""

from __future__ import annotations

from taxes.models import BillEvent, TaxBill
from taxes.services.escrow import escrow_file_apply, escrow_file_upload
from taxes.services.roll import roll_import
from tests.accounts.factories import UserFactory
from tests.taxes.factories import LenderFactory
from tests.taxes.payers import csv_file
from tests.taxes.roll_files import parcel, roll


def conflicting_bill() -> tuple[TaxBill, BillEvent]:
    """Bill 2026-000001 on parcel 10-000001, and its open conflict."""
    roll_import(stream=roll(parcel(1)), file_name="roll.csv")
    member = UserFactory()
    lender = LenderFactory(name="First Mortgage Bank", members=[member])
    escrow_file = escrow_file_upload(
        stream=csv_file("10-000001", header="parcel_number"),
        file_name="escrow.csv",
        lender=lender,
        tax_year=2026,
        uploaded_by=member,
    )
    escrow_file_apply(escrow_file=escrow_file, actor=member)
    roll_import(stream=roll(parcel(1, escrow_lender="Second Savings")), file_name="roll-2.csv")
    bill = TaxBill.objects.get(number="2026-000001")
    return bill, bill.events.get(kind="lender_conflict")


def import_the_conflicting_roll_again():
    return roll_import(
        stream=roll(parcel(1, escrow_lender="Second Savings")), file_name="roll-3.csv"
    )
