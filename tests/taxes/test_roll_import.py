"""Importing the assessor's roll (taxes.services.roll): a clean roll, bad rows (nothing
changed), a re-import (nothing changed), a corrected roll (adjustments, never rewrites)."""

import datetime

import pytest

from taxes.exceptions import RollRefused
from taxes.models import (
    AdjustmentKind,
    BillLine,
    Instalment,
    LineKind,
    Owner,
    Parcel,
    RollImport,
    TaxBill,
)
from taxes.services.adjustments import bill_adjust
from taxes.services.roll import roll_import
from tests.taxes.roll_files import parcel, roll
from tests.taxes.staff_support import tax_staff

pytestmark = pytest.mark.django_db


def _import(*rows, dry_run=False, **kwargs):
    return roll_import(stream=roll(*rows, **kwargs), file_name="roll.csv", dry_run=dry_run)


def _snapshot():
    return (
        list(Parcel.objects.values_list("number", "situs_address", "land_use")),
        list(Owner.objects.values_list("parcel__number", "position", "name", "last_name")),
        list(TaxBill.objects.values_list("number", "access_code", "escrow_lender")),
        list(BillLine.objects.values_list("bill__number", "kind", "district", "amount_cents")),
        list(
            Instalment.objects.values_list(
                "bill__number", "sequence", "amount_cents", "adjustment_cents"
            )
        ),
    )


def test_a_roll_creates_parcels_owners_bills_lines_and_instalments():
    # when
    report = _import(
        parcel(1, owner_2_name="Sam Rivera", owner_2_mailing_address="PO Box 5"),
        parcel(2, escrow_lender="First Mortgage Bank", land_use="Commercial"),
    )

    # then
    assert report.applied and report.error_count == 0
    assert (report.rows, report.parcels_created, report.bills_created) == (2, 2, 2)
    first = TaxBill.objects.get(number="2026-000001")
    assert first.parcel.situs_address == "1 ELM STREET"
    assert list(first.parcel.owners.values_list("position", "name", "last_name")) == [
        (1, "Pat Rivera", "Rivera"),
        (2, "Sam Rivera", "Rivera"),
    ]
    assert first.parcel.owners.get(position=1).mailing_address == "1 Elm Street\nSpringfield"
    assert sorted(first.lines.values_list("kind", "district", "amount_cents")) == [
        (LineKind.EXEMPTION, "HOMESTEAD", -20000),
        (LineKind.LEVY, "COUNTY", 150000),
        (LineKind.LEVY, "SCHOOL", 70000),
    ]
    assert list(first.instalments.values_list("sequence", "due_date", "amount_cents")) == [
        (1, datetime.date(2026, 3, 31), 100000),
        (2, datetime.date(2026, 9, 30), 100000),
    ]
    second = TaxBill.objects.get(number="2026-000002")
    assert second.escrow_lender == "First Mortgage Bank"
    assert second.parcel.land_use == "commercial"
    assert len({first.access_code, second.access_code}) == 2
    assert first.access_code_matches(first.access_code_printed)
    batch = RollImport.objects.get()
    assert (batch.rows, batch.bills_created, batch.file_sha256) == (2, 2, report.sha256)


def test_a_dry_run_reports_what_the_import_would_do_and_saves_nothing():
    # when
    report = _import(parcel(1), parcel(2), dry_run=True)

    # then
    assert not report.applied
    assert (report.parcels_created, report.bills_created) == (2, 2)
    assert not Parcel.objects.exists() and not RollImport.objects.exists()


def test_importing_the_same_file_again_changes_nothing():
    # given
    _import(parcel(1), parcel(2, escrow_lender="First Mortgage Bank"))
    before = _snapshot()

    # when
    report = _import(parcel(1), parcel(2, escrow_lender="First Mortgage Bank"))

    # then
    assert report.applied
    assert (report.parcels_created, report.parcels_updated, report.bills_created) == (0, 0, 0)
    assert (report.bills_adjusted, report.bills_unchanged, report.adjustment_lines) == (0, 2, 0)
    assert _snapshot() == before


def test_a_corrected_roll_adds_adjustments_and_never_rewrites_what_was_billed():
    # given
    _import(parcel(1), parcel(2))

    # when: parcel 1's school levy is $100.00 lower and its homestead exemption dropped;
    # the instalments follow
    report = _import(
        parcel(
            1,
            levy_SCHOOL="600.00",
            exemption_HOMESTEAD="",
            instalment_1_amount="1050.00",
            instalment_2_amount="1050.00",
            situs_address="1 ELM STREET UNIT A",
        ),
        parcel(2),
        header=(
            "parcel_number,tax_year,bill_number,situs_address,owner_1_name,"
            "owner_1_mailing_address,levy_COUNTY,levy_SCHOOL,exemption_HOMESTEAD,"
            "instalment_1_due,instalment_1_amount,instalment_2_due,instalment_2_amount"
        ),
    )

    # then
    assert report.applied, report.errors
    assert (report.bills_adjusted, report.bills_unchanged, report.adjustment_lines) == (1, 1, 2)
    bill = TaxBill.objects.get(number="2026-000001")
    lines = sorted(bill.lines.values_list("kind", "district", "amount_cents"))
    assert lines == [
        (LineKind.ADJUSTMENT, "HOMESTEAD", 20000),
        (LineKind.ADJUSTMENT, "SCHOOL", -10000),
        (LineKind.EXEMPTION, "HOMESTEAD", -20000),
        (LineKind.LEVY, "COUNTY", 150000),
        (LineKind.LEVY, "SCHOOL", 70000),
    ]
    assert bill.lines.filter(kind=LineKind.ADJUSTMENT).first().reason == "Corrected roll roll.csv"
    assert list(bill.instalments.values_list("amount_cents", "adjustment_cents")) == [
        (100000, 5000),
        (100000, 5000),
    ]
    assert bill.parcel.situs_address == "1 ELM STREET UNIT A"
    # and importing the corrected roll again changes nothing more
    again = _import(
        parcel(
            1,
            levy_SCHOOL="600.00",
            exemption_HOMESTEAD="",
            instalment_1_amount="1050.00",
            instalment_2_amount="1050.00",
            situs_address="1 ELM STREET UNIT A",
        ),
    )
    assert (again.adjustment_lines, again.bills_unchanged) == (0, 1)


def test_new_owners_replace_the_old_ones():
    # given
    _import(parcel(1, owner_2_name="Sam Rivera", owner_2_mailing_address="PO Box 5"))

    # when: sold
    _import(parcel(1, owner_1_name="Lee Chen", owner_1_mailing_address="9 Oak Road"))

    # then
    assert list(Owner.objects.values_list("position", "name", "last_name")) == [
        (1, "Lee Chen", "Chen")
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"parcel_number": "10 000 001"}, "Parcel number “10 000 001” is not valid"),
        ({"parcel_number": ""}, "Parcel number “” is not valid"),
        ({"levy_SCHOOL": "-700.00"}, "The levy of SCHOOL is negative (-700.00)"),
        ({"levy_COUNTY": "12,5"}, "The amount of COUNTY, “12,5”, is not an amount."),
        ({"exemption_HOMESTEAD": "-5"}, "The exemption HOMESTEAD is negative"),
        ({"exemption_HOMESTEAD": "9000"}, "The exemptions are more than the levies."),
        ({"tax_year": "26"}, "Tax year “26” is not a year."),
        ({"bill_number": "2026/1"}, "Bill number “2026/1” is not valid"),
        ({"situs_address": ""}, "The property address is missing"),
        ({"land_use": "castle"}, "Land use “castle” is not one of"),
        ({"owner_1_name": ""}, "The first owner's name is missing."),
        ({"owner_1_mailing_address": ""}, "Owner 1 has no mailing address."),
        ({"instalment_1_due": "31/03/2026"}, "Instalment 1 needs a due date"),
        ({"instalment_1_due": "", "instalment_1_amount": ""}, "Instalment 2 is given but"),
        ({"instalment_2_due": "2026-03-01"}, "Instalment 2 is due before or with the one"),
        (
            {"instalment_2_amount": "999.99"},
            "The instalments add up to 1,999.99 but the levies less exemptions to 2,000.00.",
        ),
    ],
)
def test_a_bad_row_is_reported_by_row_and_nothing_is_changed(changes, message):
    # given
    _import(parcel(5))
    before = _snapshot()

    # when
    report = _import(parcel(1), parcel(2, **changes), parcel(3))

    # then
    assert not report.applied
    assert report.error_count >= 1
    line, text = report.errors[0]
    assert line == 3
    assert text.startswith(message), text
    assert _snapshot() == before
    assert RollImport.objects.count() == 1


@pytest.mark.parametrize(
    ("rows", "line", "message"),
    [
        (
            [parcel(1), parcel(1, bill_number="2026-999999")],
            3,
            "The parcel 10-000001 has another row for the same tax year (row 2).",
        ),
        (
            [parcel(1), parcel(2, bill_number="2026-000001")],
            3,
            "The bill number 2026-000001 is on another row too (row 2).",
        ),
        (
            [parcel(2, bill_number="2026-000009")],
            2,
            "The bill number 2026-000009 was issued for another parcel or year (10-000009 2026).",
        ),
        (
            [parcel(9, bill_number="2026-000777")],
            2,
            "The parcel 10-000009 already has bill 2026-000009 for that tax year.",
        ),
        (
            [parcel(9, instalment_2_due="2026-10-31")],
            2,
            "Bill 2026-000009 was issued with other instalments or due dates",
        ),
    ],
)
def test_rows_that_clash_with_the_file_or_the_bills_issued_are_refused(rows, line, message):
    # given
    _import(parcel(9))
    before = _snapshot()

    # when
    report = _import(*rows)

    # then
    assert not report.applied
    assert (report.errors[0][0], report.errors[0][1][: len(message)]) == (line, message)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"parcel_number,tax_year\n", "Missing columns: bill_number"),
        (b"parcel_number,colour\n", "Unknown columns: colour."),
        ("parcel_number,caf\xe9\n".encode("latin-1"), "The file is not UTF-8 text."),
    ],
)
def test_a_file_that_is_not_a_roll_is_refused_whole(content, message):
    import io

    with pytest.raises(RollRefused, match=message):
        roll_import(stream=io.BytesIO(content), file_name="x.csv")


def test_amounts_with_signs_and_thousands_and_us_dates_are_read():
    report = _import(
        parcel(1, levy_COUNTY="$1,500", instalment_1_due="03/31/2026", instalment_1_amount="1000")
    )
    assert report.applied, report.errors
    assert TaxBill.objects.get().instalments.first().due_date == datetime.date(2026, 3, 31)


@pytest.mark.parametrize("ending", ["\n\n", "\n\n\n", "\r\n\r\n", "\n \n\t\n", "\n,,,\n,,\n"])
def test_blank_lines_at_the_end_of_the_file_are_ignored(ending):
    # given: a roll saved by a spreadsheet, with empty lines (or empty rows) after the last row
    content = roll(parcel(1), parcel(2)).getvalue().rstrip(b"\n") + ending.encode()
    if "\r" in ending:  # a file saved with Windows line endings throughout
        content = content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    # when
    import io

    report = roll_import(stream=io.BytesIO(content), file_name="roll.csv")

    # then
    assert report.applied, report.errors
    assert report.rows == 2
    assert TaxBill.objects.count() == 2


def test_a_blank_line_between_rows_is_still_refused():
    import io

    content = roll(parcel(1), parcel(2)).getvalue().replace(b"\n10-000002", b"\n\n10-000002")
    with pytest.raises(RollRefused):
        roll_import(stream=io.BytesIO(content), file_name="roll.csv")


def _bills_as_stored():
    return list(
        TaxBill.objects.order_by("number").values_list("number", "roll_digest", "updated_at")
    )


def _rows_updated_at():
    return (
        list(BillLine.objects.order_by("pk").values_list("pk", "updated_at")),
        list(Instalment.objects.order_by("pk").values_list("pk", "updated_at")),
    )


def test_each_bill_keeps_the_digest_of_what_its_roll_row_bills():
    # when
    _import(parcel(1), parcel(2), parcel(3, levy_SCHOOL="800.00", instalment_2_amount="1100.00"))

    # then: one digest a bill, the same for the same billed values
    digests = dict(TaxBill.objects.values_list("number", "roll_digest"))
    assert all(len(digest) == 32 for digest in digests.values())
    assert digests["2026-000001"] == digests["2026-000002"] != digests["2026-000003"]


def test_the_same_roll_twice_skips_every_bill_and_writes_nothing():
    # given
    _import(parcel(1), parcel(2), parcel(3))
    bills, rows = _bills_as_stored(), _rows_updated_at()

    # when
    report = _import(parcel(1), parcel(2), parcel(3))

    # then: no bill, line or instalment was written, not even with the same values
    assert (report.bills_unchanged, report.bills_adjusted, report.adjustment_lines) == (3, 0, 0)
    assert _bills_as_stored() == bills
    assert _rows_updated_at() == rows


def test_the_same_amounts_spelled_otherwise_are_the_same_roll():
    # given
    _import(parcel(1))
    bills = _bills_as_stored()

    # when: dollar signs, thousands separators, US dates, other column order
    report = _import(
        parcel(
            1,
            levy_COUNTY="$1,500",
            exemption_HOMESTEAD="200",
            instalment_1_due="3/31/2026",
            instalment_2_amount="$1,000.00",
        ),
        header=(
            "bill_number,parcel_number,tax_year,situs_address,land_use,escrow_lender,"
            "owner_1_name,owner_1_last_name,owner_1_mailing_address,owner_2_name,"
            "owner_2_mailing_address,exemption_HOMESTEAD,levy_SCHOOL,levy_COUNTY,"
            "instalment_2_due,instalment_2_amount,instalment_1_due,instalment_1_amount"
        ),
    )

    # then
    assert report.applied, report.errors
    assert (report.bills_unchanged, report.adjustment_lines) == (1, 0)
    assert _bills_as_stored() == bills


def test_one_changed_line_makes_exactly_one_adjustment_on_that_bill_only():
    # given
    _import(parcel(1), parcel(2), parcel(3))
    bills = {number: rest for number, *rest in _bills_as_stored()}

    # when: parcel 2's county levy is $50.00 higher, its instalments follow
    report = _import(
        parcel(1),
        parcel(2, levy_COUNTY="1550.00", instalment_2_amount="1050.00"),
        parcel(3),
    )

    # then
    assert report.applied, report.errors
    assert (report.bills_adjusted, report.bills_unchanged, report.adjustment_lines) == (1, 2, 1)
    adjustment = BillLine.objects.get(kind=LineKind.ADJUSTMENT)
    assert (adjustment.bill.number, adjustment.district, adjustment.amount_cents) == (
        "2026-000002",
        "COUNTY",
        5000,
    )
    assert list(
        Instalment.objects.filter(bill__number="2026-000002").values_list(
            "sequence", "amount_cents", "adjustment_cents"
        )
    ) == [(1, 100000, 0), (2, 100000, 5000)]
    after = {number: rest for number, *rest in _bills_as_stored()}
    assert after["2026-000001"] == bills["2026-000001"]
    assert after["2026-000003"] == bills["2026-000003"]
    assert after["2026-000002"][0] not in ("", bills["2026-000002"][0])
    # and the corrected roll again changes nothing; the first roll again takes it back
    assert (
        _import(
            parcel(1), parcel(2, levy_COUNTY="1550.00", instalment_2_amount="1050.00"), parcel(3)
        ).adjustment_lines
        == 0
    )
    back = _import(parcel(1), parcel(2), parcel(3))
    assert (back.bills_adjusted, back.adjustment_lines) == (1, 1)
    assert TaxBill.objects.get(number="2026-000002").roll_digest == bills["2026-000002"][0]
    assert Instalment.objects.get(bill__number="2026-000002", sequence=2).adjustment_cents == 0


def test_a_bill_without_a_digest_is_compared_in_full_once():
    # given: a bill issued before bills kept their roll digest
    _import(parcel(1))
    digest = TaxBill.objects.get().roll_digest
    TaxBill.objects.update(roll_digest="")
    rows = _rows_updated_at()

    # when
    report = _import(parcel(1))

    # then: nothing to adjust, and the digest is stored for the next import
    assert (report.bills_unchanged, report.adjustment_lines) == (1, 0)
    assert TaxBill.objects.get().roll_digest == digest
    assert _rows_updated_at() == rows


def test_the_database_refuses_a_digest_that_is_not_one():
    from django.db import IntegrityError, transaction

    _import(parcel(1))
    with pytest.raises(IntegrityError, match="taxes_bill_roll_digest_format"), transaction.atomic():
        TaxBill.objects.update(roll_digest="not a digest")


def test_the_file_goes_to_the_database_a_chunk_at_a_time_not_held_whole_in_memory():
    # given: a roll of about 24 MB (long mailing addresses), far more than a few read chunks
    import io
    import tracemalloc

    from taxes.services.roll_staging import CHUNK_BYTES

    content = roll(
        *(parcel(n, owner_1_mailing_address="1 Elm Street\n" + "x" * 3000) for n in range(1, 8001))
    ).getvalue()
    assert len(content) > 20 * CHUNK_BYTES

    # when
    tracemalloc.start()
    try:
        report = roll_import(stream=io.BytesIO(content), file_name="roll.csv", dry_run=True)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # then: every row was read, and the process held a few chunks of it at a time at most
    assert report.rows == 8000
    assert peak < 6 * CHUNK_BYTES, (
        f"peak {peak / 2**20:.1f} MB for a {len(content) / 2**20:.0f} MB file"
    )


def _staff_adjust(number, sequence, cents, kind=AdjustmentKind.ABATEMENT):
    bill = TaxBill.objects.get(number=number)
    return bill_adjust(
        bill=bill,
        instalment_id=bill.instalments.get(sequence=sequence).pk,
        kind=kind,
        amount_cents=cents,
        reason="Senior relief granted",
        actor=tax_staff(),
    )


def _lines(number):
    """The bill's lines, each with whether it is the staff's (no roll import)."""
    lines = TaxBill.objects.get(number=number).lines.values_list(
        "kind", "district", "amount_cents", "roll_import_id"
    )
    return sorted((kind, district, cents, batch is None) for kind, district, cents, batch in lines)


def _instalments(number):
    return list(
        Instalment.objects.filter(bill__number=number).values_list(
            "sequence", "amount_cents", "adjustment_cents"
        )
    )


def _instalments_written(number):
    return list(
        Instalment.objects.filter(bill__number=number)
        .order_by("pk")
        .values_list("pk", "updated_at")
    )


@pytest.mark.parametrize(
    ("kind", "cents", "district"),
    [
        (AdjustmentKind.ABATEMENT, -25000, "ABATEMENT"),
        (AdjustmentKind.CORRECTION, 1234, "CORRECTION"),
    ],
)
def test_a_corrected_roll_adjusts_only_what_the_roll_changed_and_keeps_staff_adjustments(
    kind, cents, district
):
    # given: the tax office adjusted the first instalment after the roll was imported
    _import(parcel(1))
    _staff_adjust("2026-000001", 1, cents, kind)

    # when: a corrected roll raises the school levy by $50.00, on the second instalment
    report = _import(parcel(1, levy_SCHOOL="750.00", instalment_2_amount="1050.00"))

    # then: exactly the roll's change is adjusted, and the staff's adjustment stays
    assert report.applied, report.errors
    assert (report.bills_adjusted, report.adjustment_lines) == (1, 1)
    assert _lines("2026-000001") == [
        (LineKind.ADJUSTMENT, district, cents, True),
        (LineKind.ADJUSTMENT, "SCHOOL", 5000, False),
        (LineKind.EXEMPTION, "HOMESTEAD", -20000, False),
        (LineKind.LEVY, "COUNTY", 150000, False),
        (LineKind.LEVY, "SCHOOL", 70000, False),
    ]
    assert _instalments("2026-000001") == [(1, 100000, cents), (2, 100000, 5000)]


def test_a_roll_that_changes_nothing_for_an_abated_bill_leaves_it_unchanged():
    # given: bill 1 abated; bill 1 also issued before bills kept a digest, so it is compared
    # line by line, and bill 2 changes
    _import(parcel(1), parcel(2))
    _staff_adjust("2026-000001", 1, -25000)
    TaxBill.objects.filter(number="2026-000001").update(roll_digest="")
    lines, instalments = _lines("2026-000001"), _instalments("2026-000001")
    written = _instalments_written("2026-000001")

    # when
    report = _import(parcel(1), parcel(2, levy_COUNTY="1550.00", instalment_2_amount="1050.00"))

    # then: bill 1 has nothing to adjust; bill 2 gets the roll's change only
    assert report.applied, report.errors
    assert (report.bills_adjusted, report.bills_unchanged, report.adjustment_lines) == (1, 1, 1)
    assert _lines("2026-000001") == lines
    assert _instalments("2026-000001") == instalments == [(1, 100000, -25000), (2, 100000, 0)]
    assert _instalments_written("2026-000001") == written


def test_an_abated_instalment_corrected_by_the_roll_keeps_the_abatement():
    # given: the second instalment abated by $250.00
    _import(parcel(1))
    _staff_adjust("2026-000001", 2, -25000)

    # when: the roll raises the county levy by $50.00, on that instalment
    report = _import(parcel(1, levy_COUNTY="1550.00", instalment_2_amount="1050.00"))

    # then: the roll's correction applies to the roll's figure, and the abatement stays
    assert (report.bills_adjusted, report.adjustment_lines) == (1, 1)
    assert _lines("2026-000001") == [
        (LineKind.ADJUSTMENT, "ABATEMENT", -25000, True),
        (LineKind.ADJUSTMENT, "COUNTY", 5000, False),
        (LineKind.EXEMPTION, "HOMESTEAD", -20000, False),
        (LineKind.LEVY, "COUNTY", 150000, False),
        (LineKind.LEVY, "SCHOOL", 70000, False),
    ]
    assert _instalments("2026-000001") == [(1, 100000, 0), (2, 100000, 5000 - 25000)]
    assert (
        TaxBill.objects.get(number="2026-000001").instalments.get(sequence=2).principal_cents
        == 105000 - 25000
    )

    # and the first roll again takes the roll's correction back, not the abatement
    back = _import(parcel(1))
    assert (back.bills_adjusted, back.adjustment_lines) == (1, 1)
    assert _lines("2026-000001") == [
        (LineKind.ADJUSTMENT, "ABATEMENT", -25000, True),
        (LineKind.ADJUSTMENT, "COUNTY", -5000, False),
        (LineKind.ADJUSTMENT, "COUNTY", 5000, False),
        (LineKind.EXEMPTION, "HOMESTEAD", -20000, False),
        (LineKind.LEVY, "COUNTY", 150000, False),
        (LineKind.LEVY, "SCHOOL", 70000, False),
    ]
    assert _instalments("2026-000001") == [(1, 100000, 0), (2, 100000, -25000)]


def test_a_roll_billing_less_than_an_instalment_was_abated_is_refused_and_changes_nothing():
    # given: $900.00 of the first instalment abated
    _import(parcel(1))
    _staff_adjust("2026-000001", 1, -90000)
    before = _snapshot()

    # when: the roll lowers that instalment to $50.00
    report = _import(parcel(1, levy_COUNTY="550.00", instalment_1_amount="50.00"), parcel(2))

    # then: the instalment would owe less than nothing: the row is refused, the file with it
    assert not report.applied
    assert report.errors == [
        (
            2,
            "Bill 2026-000001: the tax office took more off instalment 1 than the roll now "
            "bills for it. Have the tax office reverse its adjustment first, or correct the "
            "roll.",
        )
    ]
    assert _snapshot() == before
