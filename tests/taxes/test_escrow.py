"""Lenders' escrow files (taxes.services.escrow): a file of the parcels a lender pays from
escrow for a tax year, refused whole with each bad row named, saved as a preview, and marked
once confirmed: set-based, never over another lender's parcel, the same file twice changing
nothing."""

import io

import pytest

from taxes.exceptions import EscrowFileRefused
from taxes.models import BillEvent, EscrowFile, EscrowFileRow, TaxBill
from taxes.services.escrow import escrow_file_apply, escrow_file_upload
from tests.taxes.factories import LenderFactory, ParcelFactory, TaxBillFactory
from tests.taxes.payers import csv_file

pytestmark = pytest.mark.django_db
HEADER = "parcel_number,loan_reference"


@pytest.fixture
def lender(resident):
    return LenderFactory(name="First Mortgage Bank", members=[resident])


@pytest.fixture
def bills():
    """Three 2026 bills nobody escrows yet, on parcels 30-000001 to 30-000003."""
    return [
        TaxBillFactory(parcel=ParcelFactory(number=f"30-00000{n}"), schedule=[]) for n in (1, 2, 3)
    ]


def _upload(lender, resident, *rows, header=HEADER, tax_year=2026):
    return escrow_file_upload(
        stream=csv_file(*rows, header=header),
        file_name="escrow-2026.csv",
        lender=lender,
        tax_year=tax_year,
        uploaded_by=resident,
    )


def _lenders():
    return list(TaxBill.objects.order_by("parcel__number").values_list("escrow_lender", flat=True))


def test_a_good_file_is_a_preview_and_marks_its_bills_once_confirmed(resident, lender, bills):
    # given
    escrow_file = _upload(lender, resident, "30-000001,LN-1", "30-000002,", "30-000003,LN-3")

    # then: saved, nothing marked yet
    assert (escrow_file.status, escrow_file.tax_year) == ("preview", 2026)
    assert list(escrow_file.rows.values_list("row", "bill__number", "loan_reference")) == [
        (2, bills[0].number, "LN-1"),
        (3, bills[1].number, ""),
        (4, bills[2].number, "LN-3"),
    ]
    assert _lenders() == ["", "", ""]

    # when
    applied = escrow_file_apply(escrow_file=escrow_file, actor=resident)

    # then: every bill is the lender's, each with its timeline entry, and the record says so
    assert _lenders() == ["First Mortgage Bank"] * 3
    assert (applied.status, applied.applied_by, applied.bills_marked) == ("applied", resident, 3)
    assert (applied.bills_unchanged, applied.bills_conflicting) == (0, 0)
    assert set(escrow_file.rows.values_list("outcome", flat=True)) == {"marked"}
    event = BillEvent.objects.get(bill=bills[0])
    assert (event.kind, event.key) == ("escrowed", f"escrow:{escrow_file.pk}")
    assert event.data == {
        "lender": "First Mortgage Bank",
        "file": escrow_file.pk,
        "tax_year": 2026,
        "loan_reference": "LN-1",
    }


def test_the_loan_reference_is_optional_and_parcel_is_a_header_too(resident, lender, bills):
    escrow_file = _upload(lender, resident, "30-000001", header="Parcel")

    assert list(escrow_file.rows.values_list("loan_reference", flat=True)) == [""]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["30-000001,A", "99-999999,B"], [(3, "Parcel 99-999999 is unknown: check the number.")]),
        (["30-000004,A"], [(2, "Parcel 30-000004 has no bill for 2026.")]),
        (["30-000001,A", "30-000002,B", "30-000001,C"], [(4, "The parcel 30-000001 is on row 2")]),
        ([",A"], [(2, "The parcel number is missing.")]),
        (["bad parcel!,A"], [(2, "Parcel number “BAD PARCEL!” is not valid.")]),
        (["30-000001,A,extra"], [(2, "The row has more cells than the header.")]),
        ([f"30-000001,{'L' * 65}"], [(2, "The loan reference is longer than 64 characters.")]),
    ],
)
def test_a_file_with_bad_rows_is_refused_whole_with_every_row_shown(
    resident, lender, bills, rows, expected
):
    # given: a parcel with a bill for another year only
    TaxBillFactory(parcel=ParcelFactory(number="30-000004"), tax_year=2025, schedule=[])

    # when
    with pytest.raises(EscrowFileRefused) as refused:
        _upload(lender, resident, *rows)

    # then
    assert [
        (row, message[: len(text)])
        for (row, message), (_, text) in zip(refused.value.errors, expected, strict=True)
    ] == expected
    assert [row.line for row in refused.value.rows] == list(range(2, len(rows) + 2))
    assert [bool(row.problem) for row in refused.value.rows].count(True) == 1
    assert EscrowFile.objects.count() == 0
    assert EscrowFileRow.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (
            b"loan_reference\nLN-1\n",
            "The header needs the column parcel_number \\(missing: parcel_number\\)",
        ),
        (b"parcel_number\n", "The file has a header but no rows."),
        ("parcel_number\n30-000001\xa0\n".encode("latin-1"), "The file is not UTF-8"),
    ],
)
def test_a_file_that_is_not_an_escrow_file_is_refused(resident, lender, bills, content, message):
    with pytest.raises(EscrowFileRefused, match=message):
        escrow_file_upload(
            stream=io.BytesIO(content),
            file_name="x.csv",
            lender=lender,
            tax_year=2026,
            uploaded_by=resident,
        )
    assert EscrowFile.objects.count() == 0


def test_the_same_file_again_changes_nothing(resident, lender, bills):
    # given: the file confirmed once
    rows = ("30-000001,LN-1", "30-000002,LN-2")
    escrow_file_apply(escrow_file=_upload(lender, resident, *rows), actor=resident)
    stamps = list(TaxBill.objects.order_by("pk").values_list("updated_at", flat=True))

    # when: sent and confirmed again, and the first confirmation clicked twice
    again = escrow_file_apply(escrow_file=_upload(lender, resident, *rows), actor=resident)
    first = EscrowFile.objects.order_by("pk").first()
    twice = escrow_file_apply(escrow_file=first, actor=resident)

    # then
    assert (again.bills_marked, again.bills_unchanged, again.bills_conflicting) == (0, 2, 0)
    assert set(again.rows.values_list("outcome", flat=True)) == {"unchanged"}
    assert (twice.bills_marked, twice.bills_unchanged) == (2, 0)
    assert list(TaxBill.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert BillEvent.objects.count() == 2
    assert _lenders() == ["First Mortgage Bank", "First Mortgage Bank", ""]


def test_the_lender_named_by_the_roll_in_capitals_is_the_same_lender(resident, lender, bills):
    TaxBill.objects.filter(pk=bills[0].pk).update(escrow_lender="FIRST MORTGAGE BANK ")

    applied = escrow_file_apply(escrow_file=_upload(lender, resident, "30-000001"), actor=resident)

    assert (applied.bills_marked, applied.bills_unchanged) == (0, 1)
    assert _lenders()[0] == "FIRST MORTGAGE BANK "


def test_a_parcel_another_lender_escrows_is_a_conflict_and_stays_theirs(
    resident, other_resident, lender, bills
):
    # given: the first parcel is escrowed by another lender (from the roll), and the second
    # is taken by another lender's file between this file's preview and its confirmation
    other = LenderFactory(name="Second Savings", members=[other_resident])
    TaxBill.objects.filter(pk=bills[0].pk).update(escrow_lender="Second Savings")
    preview = _upload(lender, resident, "30-000001,LN-1", "30-000002,LN-2", "30-000003,LN-3")
    escrow_file_apply(escrow_file=_upload(other, other_resident, "30-000002"), actor=other_resident)

    # when
    applied = escrow_file_apply(escrow_file=preview, actor=resident)

    # then: only the third is marked; the others are conflicts, not overwritten
    assert (applied.bills_marked, applied.bills_unchanged, applied.bills_conflicting) == (1, 0, 2)
    outcomes = list(preview.rows.values_list("outcome", flat=True))
    assert outcomes == ["conflict", "conflict", "marked"]
    assert _lenders() == ["Second Savings", "Second Savings", "First Mortgage Bank"]
    assert not BillEvent.objects.filter(bill=bills[0]).exists()
    assert BillEvent.objects.get(bill=bills[1]).data["lender"] == "Second Savings"


def test_a_roll_that_names_no_lender_leaves_the_lenders_parcels_as_its_file_marked(
    resident, lender
):
    # given: a roll without lenders, one parcel then declared by the lender's file, another
    # escrowed by the roll itself
    from taxes.services.roll import roll_import
    from tests.taxes.roll_files import parcel, roll

    first = (parcel(1), parcel(2, escrow_lender="Second Savings"))
    roll_import(stream=roll(*first), file_name="roll.csv")
    escrow_file_apply(escrow_file=_upload(lender, resident, "10-000001"), actor=resident)

    # when: the roll is imported again, the second parcel's lender gone from it
    report = roll_import(stream=roll(parcel(1), parcel(2)), file_name="roll.csv")

    # then: the file's parcel keeps its lender; the roll's own lender follows the roll
    assert report.applied
    assert _lenders() == ["First Mortgage Bank", ""]


def _roll(*rows, dry_run=False):
    from taxes.services.roll import roll_import
    from tests.taxes.roll_files import roll

    return roll_import(stream=roll(*rows), file_name="roll.csv", dry_run=dry_run)


CONFLICT_NOTE = (
    "Bill 2026-000001: the roll names Second Savings as the escrow lender, but First Mortgage "
    "Bank declared the bill in its escrow file. The bill stays with First Mortgage Bank until "
    "the tax office settles it with both lenders."
)


def test_a_roll_naming_another_lender_is_reported_and_the_files_lender_is_kept(resident, lender):
    from tests.taxes.roll_files import parcel

    # given: the first parcel declared by the lender's file
    _roll(parcel(1), parcel(2))
    escrow_file = _upload(lender, resident, "10-000001,LN-1")
    escrow_file_apply(escrow_file=escrow_file, actor=resident)

    # when: a corrected roll names another lender for it (checked, then imported)
    changed = (parcel(1, escrow_lender="Second Savings"), parcel(2))
    preview = _roll(*changed, dry_run=True)
    report = _roll(*changed)

    # then: the preview and the result report the row, the bill keeps the file's lender, and
    # the bill's timeline records the conflict for staff
    assert preview.notes == [(2, CONFLICT_NOTE)] == report.notes
    assert report.applied and report.note_count == 1
    assert (preview.lender_conflicts, preview.lender_conflicts_new) == (1, 1)
    report.batch.refresh_from_db()
    assert (report.batch.lender_conflicts, report.batch.lender_conflicts_new) == (1, 1)
    assert _lenders() == ["First Mortgage Bank", ""]
    event = BillEvent.objects.get(bill__number="2026-000001", kind="lender_conflict")
    assert event.data == {
        "lender": "First Mortgage Bank",
        "roll_lender": "Second Savings",
        "roll_import": report.batch.pk,
    }

    # when: the same roll again
    again = _roll(*changed)

    # then: reported again, recorded once; the import's record counts it, as not new
    assert again.notes == [(2, CONFLICT_NOTE)]
    again.batch.refresh_from_db()
    assert (again.batch.lender_conflicts, again.batch.lender_conflicts_new) == (1, 0)
    assert BillEvent.objects.filter(kind="lender_conflict").count() == 1
    assert _lenders() == ["First Mortgage Bank", ""]


def test_a_roll_spelling_the_files_lender_otherwise_changes_nothing(resident, lender):
    from tests.taxes.roll_files import parcel

    _roll(parcel(1))
    escrow_file_apply(escrow_file=_upload(lender, resident, "10-000001"), actor=resident)

    report = _roll(parcel(1, escrow_lender=" FIRST MORTGAGE BANK"))

    assert report.notes == []
    assert _lenders() == ["First Mortgage Bank"]
    assert list(BillEvent.objects.values_list("kind", flat=True)) == ["escrowed"]


def test_a_roll_changing_a_lender_no_file_declared_records_the_change(resident, lender):
    from tests.taxes.roll_files import parcel

    # given: lenders from the roll alone (the lender's file for another parcel's bill)
    _roll(parcel(1, escrow_lender="Second Savings"), parcel(2), parcel(3))
    escrow_file_apply(escrow_file=_upload(lender, resident, "10-000003"), actor=resident)

    # when: the next roll changes the first, names one for the second
    report = _roll(
        parcel(1, escrow_lender="Third Trust"),
        parcel(2, escrow_lender="Second Savings"),
        parcel(3),
    )

    # then: the roll is followed, and each bill's timeline says from whom to whom
    assert report.notes == []
    assert _lenders() == ["Third Trust", "Second Savings", "First Mortgage Bank"]
    changes = BillEvent.objects.filter(kind="lender_changed").order_by("bill__number")
    assert [event.data for event in changes] == [
        {"from": "Second Savings", "to": "Third Trust", "roll_import": report.batch.pk},
        {"from": "", "to": "Second Savings", "roll_import": report.batch.pk},
    ]
