"""A roll bills one to four instalments a year: four are imported in order, a fifth column
refuses the file whole and changes nothing."""

import pytest

from taxes.exceptions import RollRefused
from taxes.models import Instalment, TaxBill
from taxes.services.roll import roll_import
from tests.taxes.roll_files import HEADER, parcel, roll

pytestmark = pytest.mark.django_db

FOUR = [
    ("2026-03-31", "500.00"),
    ("2026-06-30", "500.00"),
    ("2026-09-30", "500.00"),
    ("2026-12-31", "500.00"),
]


def _header(count: int) -> str:
    fixed = HEADER.split(",instalment_1_due")[0]
    return fixed + "".join(
        f",instalment_{n}_due,instalment_{n}_amount" for n in range(1, count + 1)
    )


def _row(schedule) -> dict:
    columns = {}
    for n, (due, amount) in enumerate(schedule, start=1):
        columns[f"instalment_{n}_due"] = due
        columns[f"instalment_{n}_amount"] = amount
    return parcel(1, **columns)


def test_four_instalments_are_imported_in_order():
    # when: $2,000.00 billed in four quarters
    report = roll_import(stream=roll(_row(FOUR), header=_header(4)), file_name="roll.csv")

    # then
    assert report.applied, report.errors
    bill = TaxBill.objects.get()
    assert [
        (instalment.sequence, instalment.due_date.isoformat(), instalment.amount_cents)
        for instalment in bill.instalments.order_by("sequence")
    ] == [(n, due, 50000) for n, (due, _amount) in enumerate(FOUR, start=1)]


def test_a_fifth_instalment_refuses_the_file_and_changes_nothing():
    # given: the levies split in five
    five = [(due, "400.00") for due, _amount in FOUR] + [("2027-01-31", "400.00")]

    # when
    with pytest.raises(RollRefused, match="Unknown columns: instalment_5_due, instalment_5_amount"):
        roll_import(stream=roll(_row(five), header=_header(5)), file_name="roll.csv")

    # then
    assert not TaxBill.objects.exists() and not Instalment.objects.exists()
