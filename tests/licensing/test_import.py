"""The legacy CSV import: file-level refusals, every kind of bad row, duplicates, re-import and
the dry run."""

import codecs

import pytest

from cases.models import CaseReferenceCounter
from licensing.models import License, LicenseImport
from licensing.services import ImportRefused, license_import
from tests.licensing.factories import LicenseTypeFactory

HEADER = (
    "legacy_number,type_code,holder_name,business_name,holder_email,phone,issued_on,"
    "expires_on,status\n"
)
GOOD = (
    "B-100,barber,Ada Lovelace,Ada's Cuts,ada@example.org,(202) 555-0143,2025-03-01,"
    "2027-03-01,active\n"
)


@pytest.fixture
def barber(db):
    return LicenseTypeFactory(code="barber", number_prefix="BRB", name="Barber license")


@pytest.fixture
def staff(clerk):
    return clerk


def run(text: str, actor, *, dry_run=False, encoding="utf-8"):
    return license_import(
        content=text.encode(encoding), file_name="legacy.csv", actor=actor, dry_run=dry_run
    )


def test_an_import_creates_licenses_without_an_account(barber, staff):
    # when
    report = run(HEADER + GOOD, staff)

    # then
    license = License.objects.get()
    assert [row.outcome for row in report.rows] == ["create"]
    assert license.number == "BRB-2025-000001"
    assert license.holder is None
    assert license.holder_name == "Ada Lovelace"
    assert license.business_name == "Ada's Cuts"
    assert license.holder_email == "ada@example.org"
    assert str(license.holder_phone) == "+12025550143"
    assert str(license.issued_on) == "2025-03-01"
    assert str(license.expires_on) == "2027-03-01"
    assert license.status == "active"
    assert license.legacy_reference == "B-100"
    assert license.imported_in == report.batch
    assert (report.batch.rows, report.batch.created_count, report.batch.imported_by) == (
        1,
        1,
        staff,
    )


def test_the_dry_run_writes_nothing(barber, staff):
    # when
    report = run(HEADER + GOOD, staff, dry_run=True)

    # then
    assert [row.outcome for row in report.rows] == ["create"]
    assert License.objects.count() == 0
    assert LicenseImport.objects.count() == 0
    assert CaseReferenceCounter.objects.count() == 0


def test_importing_the_same_file_twice_creates_nothing_twice(barber, staff):
    # given
    run(HEADER + GOOD, staff)

    # when
    preview = run(HEADER + GOOD, staff, dry_run=True)
    again = run(HEADER + GOOD, staff)

    # then
    assert [row.outcome for row in preview.rows] == ["already"]
    assert [row.outcome for row in again.rows] == ["already"]
    assert again.rows[0].note == "Already imported as BRB-2025-000001."
    assert License.objects.count() == 1
    assert (again.batch.created_count, again.batch.already_count) == (0, 1)


def test_a_corrected_file_imports_only_what_was_missing(barber, staff):
    # given
    bad = "B-101,barber,Grace Hopper,,grace@example,,2025-01-01,2026-01-01,active\n"
    first = run(HEADER + GOOD + bad, staff)
    fixed = bad.replace("grace@example", "grace@example.org")

    # when
    second = run(HEADER + GOOD + fixed, staff)

    # then
    assert [row.outcome for row in first.rows] == ["create", "error"]
    assert [row.outcome for row in second.rows] == ["already", "create"]
    assert sorted(License.objects.values_list("legacy_reference", flat=True)) == [
        "B-100",
        "B-101",
    ]


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            "B-1,dentist,Ada,,,,2025-01-01,2026-01-01,active",
            "Unknown license type code “dentist”.",
        ),
        (
            "B-1,barber,Ada,,,,2025-02-30,2026-01-01,active",
            "Issued on: “2025-02-30” is not a date (use YYYY-MM-DD or MM/DD/YYYY).",
        ),
        (
            "B-1,barber,Ada,,,,2025-01-01,1st of May,active",
            "Expires on: “1st of May” is not a date (use YYYY-MM-DD or MM/DD/YYYY).",
        ),
        (
            "B-1,barber,Ada,,,,2025-01-01,2024-12-31,active",
            "The expiry date must be after the date of issue.",
        ),
        (
            "B-1,barber,Ada,,,,2025-01-01,2025-01-01,active",
            "The expiry date must be after the date of issue.",
        ),
        ("B-1,barber,,,,,2025-01-01,2026-01-01,active", "Holder name is missing."),
        ("B-1,barber,   ,,,,2025-01-01,2026-01-01,active", "Holder name is missing."),
        (",barber,Ada,,,,2025-01-01,2026-01-01,active", "Legacy number is missing."),
        ("B-1,,Ada,,,,2025-01-01,2026-01-01,active", "Type code is missing."),
        ("B-1,barber,Ada,,,,,2026-01-01,active", "Issued on is missing."),
        ("B-1,barber,Ada,,,,2025-01-01,2026-01-01,", "Status is missing."),
        (
            "B-1,barber,Ada,,ada@,,2025-01-01,2026-01-01,active",
            "“ada@” is not a valid e-mail address.",
        ),
        (
            "B-1,barber,Ada,,,12,2025-01-01,2026-01-01,active",
            "“12” is not a valid phone number.",
        ),
        (
            "B-1,barber,Ada,,,,2025-01-01,2026-01-01,dormant",
            "Unknown status “dormant” (use one of: active, expired, lapsed, suspended, revoked).",
        ),
        (
            "B-1,barber,Ada,,,,2025-01-01,2026-01-01,active,extra",
            "This row has 10 values where the header names 9.",
        ),
        (
            "B-1,barber," + "A" * 151 + ",,,,2025-01-01,2026-01-01,active",
            "Holder name is longer than 150 characters.",
        ),
        (
            "B-1,barber,Ada \u202eecalevoL,,,,2025-01-01,2026-01-01,active",
            "Holder name contains invisible formatting characters, such as text direction "
            "marks. Remove them.",
        ),
        (
            "B-1,barber,Ada,Cuts\u200b,,,2025-01-01,2026-01-01,active",
            "Business name contains invisible formatting characters, such as text direction "
            "marks. Remove them.",
        ),
    ],
)
def test_each_bad_row_is_reported_with_its_row_number_and_skipped(barber, staff, row, error):
    # when
    report = run(HEADER + GOOD + row + "\n", staff)

    # then
    assert [(r.line, r.outcome) for r in report.rows] == [(2, "create"), (3, "error")]
    assert report.rows[1].errors == [error]
    assert list(License.objects.values_list("legacy_reference", flat=True)) == ["B-100"]
    assert report.batch.error_count == 1


def test_us_dates_and_letter_case_are_accepted(barber, staff):
    # when
    report = run(HEADER + "B-7,BARBER,Ada,,,,03/01/2025,02/28/2026,Expired\n", staff)

    # then
    license = License.objects.get()
    assert report.rows[0].outcome == "create"
    assert (str(license.issued_on), str(license.expires_on), license.status) == (
        "2025-03-01",
        "2026-02-28",
        "expired",
    )


def test_a_number_twice_in_the_file_with_different_data_refuses_both_rows(barber, staff):
    # given
    other = GOOD.replace("Ada Lovelace", "Ada King")

    # when
    report = run(HEADER + GOOD + other, staff)

    # then
    assert [r.outcome for r in report.rows] == ["error", "error"]
    assert report.rows[0].errors == [
        "Legacy number B-100 appears on rows 2, 3 with different data."
    ]
    assert License.objects.count() == 0


def test_a_row_repeated_identically_in_the_file_is_imported_once(barber, staff):
    # when
    report = run(HEADER + GOOD + GOOD, staff)

    # then
    assert [r.outcome for r in report.rows] == ["create", "repeat"]
    assert report.rows[1].note == "Same as row 2."
    assert License.objects.count() == 1


def test_the_same_legacy_number_in_two_types_is_two_licenses(barber, staff):
    # given
    LicenseTypeFactory(code="plumber", number_prefix="PLB")

    # when
    report = run(HEADER + GOOD + GOOD.replace("barber", "plumber"), staff)

    # then
    assert [r.outcome for r in report.rows] == ["create", "create"]
    assert sorted(License.objects.values_list("number", flat=True)) == [
        "BRB-2025-000001",
        "PLB-2025-000001",
    ]


def test_a_number_already_in_the_register_with_different_data_is_refused(barber, staff):
    # given
    run(HEADER + GOOD, staff)
    changed = GOOD.replace("2027-03-01", "2027-04-01").replace("ada@", "ada.l@")

    # when
    report = run(HEADER + changed, staff)

    # then
    assert report.rows[0].outcome == "error"
    assert report.rows[0].errors == [
        "Legacy number B-100 is already in the register as BRB-2025-000001 with different "
        "data (holder e-mail, expires on)."
    ]
    assert License.objects.get().expires_on.isoformat() == "2027-03-01"


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),
        lambda text: text.encode("cp1252"),
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16", "windows-1252"],
)
def test_encodings(barber, staff, encode):
    # given
    text = HEADER + "B-9,barber,José Müller,Café Élan,,,2025-01-01,2026-01-01,active\r\n"

    # when
    license_import(content=encode(text), file_name="x.csv", actor=staff)

    # then
    license = License.objects.get()
    assert (license.holder_name, license.business_name) == ("José Müller", "Café Élan")


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolons_and_tabs_separate_values_too(barber, staff, delimiter):
    # given
    text = (HEADER + GOOD).replace(",", delimiter)

    # when
    report = run(text, staff)

    # then
    assert [r.outcome for r in report.rows] == ["create"]


def test_headers_are_matched_loosely_and_in_any_order(barber, staff):
    # given
    text = (
        "Status, Type Code ,Legacy Number,Holder Name,Issued On,Expires On\n"
        "active,barber,B-3,Ada,2025-01-01,2026-01-01\n"
    )

    # when
    report = run(text, staff)

    # then
    assert [r.outcome for r in report.rows] == ["create"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"  \n", "The file is empty."),
        (HEADER.encode(), "The file has a header row but no licenses."),
        (
            b"PK\x03\x04\x14\x00\x06\x00",
            "This is a spreadsheet workbook, not a CSV file. Save it as “CSV UTF-8” first.",
        ),
        (b"%PDF-1.4\n\x00\x01\x02", "This is not a CSV file: it holds binary data."),
        (
            b"legacy_number,type_code\n\x81\x8d,x\n",
            "The file's characters cannot be read. Save it as “CSV UTF-8” and try again.",
        ),
        (
            b"number,type,holder_name,issued_on,expires_on,status\nx,y,z,a,b,c\n",
            "Missing columns: legacy_number, type_code. Unknown columns: number, type. The "
            "first row must name the columns: legacy_number, type_code, holder_name, "
            "business_name, holder_email, phone, issued_on, expires_on, status.",
        ),
        (
            (HEADER.strip() + ",status\n" + GOOD).encode(),
            "Columns named twice: status. The first row must name the columns: "
            "legacy_number, type_code, holder_name, business_name, holder_email, phone, "
            "issued_on, expires_on, status.",
        ),
    ],
    ids=["empty", "blank", "header only", "xlsx", "binary", "undecodable", "wrong", "twice"],
)
def test_a_file_that_cannot_be_read_is_refused_whole(barber, staff, content, message):
    # when
    with pytest.raises(ImportRefused) as refused:
        license_import(content=content, file_name="x.csv", actor=staff)

    # then
    assert str(refused.value) == message
    assert License.objects.count() == 0
    assert LicenseImport.objects.count() == 0


def test_a_file_too_big_or_too_long_is_refused(barber, staff, monkeypatch):
    # given
    from licensing.services import imports

    monkeypatch.setattr(imports, "MAX_ROWS", 2)

    # when
    with pytest.raises(ImportRefused) as too_big:
        license_import(content=b"x" * (5 * 1024 * 1024 + 1), file_name="x.csv", actor=staff)
    with pytest.raises(ImportRefused) as too_long:
        run(HEADER + GOOD * 3, staff)

    # then
    assert str(too_big.value) == (
        "The file is too big: the limit is 5 MB. Split it into smaller files."
    )
    assert str(too_long.value) == "The file has more than 2 rows. Split it into smaller files."
    assert License.objects.count() == 0


def test_blank_lines_are_ignored_and_rows_keep_their_spreadsheet_numbers(barber, staff):
    # when
    report = run(HEADER + "\n" + GOOD + ",,,,,,,,\n", staff)

    # then
    assert [(r.line, r.outcome) for r in report.rows] == [(3, "create")]


def test_seed_demo_imports_legacy_licenses_once(db):
    # given
    from accounts import demo as account_demo
    from licensing import demo

    account_demo.seed()

    # when
    demo.seed()
    demo.seed()

    # then
    imported = License.objects.filter(imported_in__isnull=False)
    assert imported.count() == len(demo.IMPORTED)
    assert LicenseImport.objects.get().error_count == 0
    assert not imported.filter(holder__isnull=False).exists()
    assert imported.exclude(holder_email="").count() == len(demo.IMPORTED) - 1


def test_numbers_come_in_blocks_from_the_shared_counter(barber, staff):
    # given
    from django.db import transaction

    from cases.references import reference_allocate

    rows = (
        "".join(f"B-{n},barber,Holder {n},,,,2025-0{n}-01,2027-01-01,active\n" for n in (1, 2, 3))
        + "B-9,barber,Holder 9,,,,2024-05-01,2026-01-01,active\n"
    )

    # when
    run(HEADER + rows, staff)
    with transaction.atomic():
        following = reference_allocate(prefix="BRB", year=2025)

    # then
    assert dict(License.objects.values_list("legacy_reference", "number")) == {
        "B-1": "BRB-2025-000001",
        "B-2": "BRB-2025-000002",
        "B-3": "BRB-2025-000003",
        "B-9": "BRB-2024-000001",
    }
    assert following == "BRB-2025-000004"
