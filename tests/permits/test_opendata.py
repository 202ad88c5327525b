"""The open permit data: BLDS v1.2 datasets as CSV and JSON, streamed, public fields only."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from permits import blds, opendata
from portal import csvstream
from tests.licensing.license_factory import LicenseFactory
from tests.permits.factories import PermitFactory, PermitTypeFactory
from tests.permits.public_data import APPLICANT_EMAIL, APPLICANT_NAME, issued, sent_permit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.PERMITS_OPEN_DATA_PER_HOUR = 0
    settings.PERMITS_ADDRESS_STATE = "IL"


def download(client, dataset: str, fmt: str) -> tuple[object, str]:
    response = client.get(reverse("permits:open_data", args=[dataset, fmt]))
    assert response.status_code == 200
    assert response.streaming
    return response, b"".join(response.streaming_content).decode()


def csv_rows(client, dataset="permits") -> list[dict]:
    response, body = download(client, dataset, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{dataset}.csv"'
    reader = csv.DictReader(io.StringIO(body))
    assert tuple(reader.fieldnames) == opendata.DATASETS[dataset][0]
    return list(reader)


def test_the_permits_dataset_in_blds_words(client):
    # given
    permit_type = PermitTypeFactory(name="Residential addition", category="building")
    contractor = LicenseFactory()
    permit = issued(
        sent_permit(
            permit_type=permit_type,
            address="12 Elm Street",
            parcel_number="01-234-567",
            square_feet=450,
            housing_units=1,
            valuation_cents=12_345_600,
            contractor_license=contractor,
        ),
        number="BLD-2026-000042",
        on=datetime.date(2026, 3, 7),
    )

    # when
    [row] = csv_rows(client)

    # then
    assert row["PermitNum"] == "BLD-2026-000042"
    assert row["IssuedDate"] == "2026-03-07"
    assert row["ExpiresDate"] == "2026-09-03"
    assert row["AppliedDate"] == permit.case.submitted_at.astimezone().date().isoformat()
    assert row["StatusCurrent"] == "Permit issued"
    assert row["StatusCurrentMapped"] == "Permit Issued"
    assert row["PermitType"] == "Residential addition"
    assert row["PermitTypeMapped"] == "Building"
    assert row["WorkClassMapped"] in blds.WORK_CLASS_VALUES
    assert row["OriginalAddress1"] == "12 Elm Street"
    assert row["OriginalState"] == "IL"
    assert row["PIN"] == "01-234-567"
    assert (row["TotalSqFt"], row["HousingUnits"], row["EstProjectCost"]) == (
        "450",
        "1",
        "123456",
    )
    assert row["ContractorLicNum"] == contractor.number
    assert row["Link"] == "http://testserver" + reverse(
        "permits:public", kwargs={"reference": permit.case.reference}
    )
    assert row["CompletedDate"] == ""


def test_json_has_the_same_records_typed(client):
    # given
    issued(sent_permit(square_feet=450, valuation_cents=10_050), number="BLD-2026-000001")
    sent_permit(square_feet=None, valuation_cents=0)

    # when
    response, body = download(client, "permits", "json")
    records = json.loads(body)

    # then
    assert response["Content-Type"] == "application/json"
    assert [list(record) for record in records] == [list(blds.PERMIT_FIELDS)] * 2
    first, second = records
    assert (first["TotalSqFt"], first["EstProjectCost"]) == (450, 100.5)
    assert (second["TotalSqFt"], second["EstProjectCost"], second["IssuedDate"]) == (
        None,
        None,
        None,
    )
    assert second["StatusCurrentMapped"] == "Application Accepted"
    assert second["PermitNum"].startswith("PER-")


def test_drafts_and_the_applicant_are_never_published(client):
    # given
    PermitFactory(address="99 Draft Lane")
    sent_permit(address="12 Elm Street")

    # when
    _response, as_csv = download(client, "permits", "csv")
    _response, as_json = download(client, "permits", "json")

    # then
    for body in (as_csv, as_json):
        assert "12 Elm Street" in body
        assert "99 Draft Lane" not in body
        for private in (APPLICANT_NAME, APPLICANT_EMAIL, "Secret basement answer"):
            assert private not in body


def test_the_zip_code_is_read_from_the_end_of_the_address(client):
    # given: a ZIP code, a ZIP+4, none, and a number that only ends in five digits
    for address in (
        "12 Elm Street, Springfield, IL 62704",
        "14 Elm Street, Springfield, IL 62704-1234",
        "16 Elm Street",
        "Lot 162704",
    ):
        sent_permit(address=address)

    # when
    rows = csv_rows(client)
    _response, body = download(client, "permits", "json")

    # then
    assert [row["OriginalZip"] for row in rows] == ["62704", "62704", "", ""]
    assert [record["OriginalZip"] for record in json.loads(body)] == ["62704", "62704", None, None]
    assert rows[1]["OriginalAddress1"] == "14 Elm Street, Springfield, IL 62704-1234"


def test_a_spreadsheet_formula_is_published_as_text(client):
    # given
    sent_permit(work_description='=HYPERLINK("http://evil.example","x")')

    # when
    [row] = csv_rows(client)

    # then
    assert row["Description"] == '\'=HYPERLINK("http://evil.example","x")'


def test_the_stream_reads_in_chunks_and_sends_blocks(client, monkeypatch):
    # given: blocks of about 100 characters, chunks of 2 rows
    monkeypatch.setattr(csvstream, "BLOCK_CHARACTERS", 100)
    monkeypatch.setattr(opendata, "CHUNK_ROWS", 2)
    for n in range(5):
        sent_permit(address=f"{n} Elm Street")

    # when
    response = client.get(reverse("permits:open_data", args=["permits", "csv"]))
    blocks = list(response.streaming_content)

    # then
    assert len(blocks) > 3
    assert len(list(csv.reader(io.StringIO(b"".join(blocks).decode())))) == 6


@pytest.mark.parametrize(("dataset", "fmt"), [("people", "csv"), ("permits", "xml")])
def test_an_unknown_dataset_or_format_is_not_found(client, dataset, fmt):
    assert client.get(reverse("permits:open_data", args=[dataset, fmt])).status_code == 404


def test_downloads_count_against_a_limit_per_address(client, settings):
    # given
    settings.PERMITS_OPEN_DATA_PER_HOUR = 1
    download(client, "permits", "csv")

    # when
    refused = client.get(reverse("permits:open_data", args=["permits", "json"]))

    # then
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"


def test_the_inspections_dataset_joins_the_permits_by_number(client):
    # given: a failed inspection, then the same step booked again
    from permits.services.inspections import inspection_book, inspection_record_result
    from tests.permits.inspection_factories import (
        NOW,
        THURSDAY,
        WEDNESDAY,
        at,
        inspector,
        issued_permit,
        open_slots,
    )

    inspector(capacity=2)
    open_slots()
    permit = issued_permit()
    first = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    inspection_record_result(
        inspection=first,
        actor=first.inspector,
        result="failed",
        deficiencies="Footing too shallow.",
        comments="Spoke with the owner, Rosalind.",
        now=at(WEDNESDAY, 10),
    )
    inspection_book(
        permit=permit, day=THURSDAY, period="am", actor=permit.case.applicant, now=at(WEDNESDAY, 11)
    )
    permit.refresh_from_db()

    # when
    rows = csv_rows(client, "inspections")
    [permit_row] = csv_rows(client, "permits")

    # then
    assert [row["PermitNum"] for row in rows] == [permit.permit_number] * 2
    assert permit_row["PermitNum"] == permit.permit_number
    failed, booked = rows
    assert (failed["InspType"], failed["Result"], failed["ResultMapped"]) == (
        "Step 1",
        "Failed",
        "Rejected",
    )
    assert failed["InspTypeMapped"] == "Foundation"
    assert (failed["ScheduledDate"], failed["InspectedDate"]) == ("2027-03-10", "2027-03-10")
    assert failed["InspectionNotes"] == "Footing too shallow."
    assert failed["Final"] == "No"
    assert (booked["Result"], booked["ResultMapped"], booked["InspectedDate"]) == ("Booked", "", "")
    _response, body = download(client, "inspections", "json")
    assert "Rosalind" not in body
    assert json.loads(body)[0]["ResultMapped"] == "Rejected"
