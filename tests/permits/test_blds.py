"""The BLDS v1.2 columns and value lists (permits.blds)."""

import datetime
import zoneinfo

import pytest

from permits import blds

# The standard's required fields (Core-Permits and Inspections pages).
PERMIT_REQUIRED = {
    "PermitNum", "Description", "AppliedDate", "IssuedDate", "CompletedDate", "StatusCurrent",
    "OriginalAddress1", "OriginalAddress2", "OriginalCity", "OriginalState", "OriginalZip",
}  # fmt: skip
INSPECTION_REQUIRED = {
    "PermitNum", "InspType", "InspTypeMapped", "Result", "ResultMapped", "ScheduledDate",
    "InspectedDate",
}  # fmt: skip


def test_the_datasets_carry_every_required_field_once():
    assert set(blds.PERMIT_FIELDS) >= PERMIT_REQUIRED
    assert set(blds.INSPECTION_FIELDS) >= INSPECTION_REQUIRED
    assert len(set(blds.PERMIT_FIELDS)) == len(blds.PERMIT_FIELDS)
    assert len(set(blds.INSPECTION_FIELDS)) == len(blds.INSPECTION_FIELDS)


def test_the_permits_dataset_names_no_contractor_contact():
    assert not {"ContractorPhone", "ContractorEmail", "ContractorAddress1"} & set(
        blds.PERMIT_FIELDS
    )


@pytest.mark.parametrize(
    ("table", "values"),
    [
        (blds.STATUS_CURRENT_MAPPED, blds.STATUS_CURRENT_VALUES),
        (blds.PERMIT_TYPE_MAPPED, blds.PERMIT_TYPE_VALUES),
        (blds.WORK_CLASS_MAPPED, blds.WORK_CLASS_VALUES),
        (blds.PERMIT_CLASS_MAPPED, blds.PERMIT_CLASS_VALUES),
        (blds.CONTRACTOR_TRADE_MAPPED, blds.CONTRACTOR_TRADE_VALUES),
        (blds.RESULT_MAPPED, blds.RESULT_VALUES),
    ],
)
def test_every_mapping_answers_in_the_standards_words(table, values):
    assert set(table.values()) <= set(values)


@pytest.mark.parametrize(
    ("status", "mapped"),
    [
        ("submitted", "Application Accepted"),
        ("in_review", "In Review"),
        ("corrections_required", "In Review"),
        ("issued", "Permit Issued"),
        ("finaled", "Permit Finaled"),
        ("cancelled", "Permit Cancelled"),
        ("expired", "Permit Cancelled"),
        ("IN_REVIEW", "In Review"),
        ("draft", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_status_current_mapped(status, mapped):
    assert blds.status_current_mapped(status) == mapped


@pytest.mark.parametrize(
    ("category", "mapped"),
    [
        ("building", "Building"),
        ("demolition", "Demolition"),
        ("pool", "Pool/Spa"),
        ("roof", "Roof"),
        ("sign", ""),  # the standard has no word for it: left empty, not called Building
        (None, ""),
    ],
)
def test_permit_type_mapped(category, mapped):
    assert blds.permit_type_mapped(category) == mapped


@pytest.mark.parametrize(
    ("work_class", "mapped"),
    [("new", "New"), ("addition", "Existing"), ("alteration", "Existing"), ("", "")],
)
def test_work_class_mapped(work_class, mapped):
    assert blds.work_class_mapped(work_class) == mapped


@pytest.mark.parametrize(
    ("result", "mapped"),
    [
        ("passed", "Passed"),
        ("failed", "Rejected"),
        ("partial", "Partial"),
        ("cancelled", "Cancelled"),
        ("", ""),
    ],
)
def test_result_mapped(result, mapped):
    assert blds.result_mapped(result) == mapped


@pytest.mark.parametrize(
    ("name", "mapped"),
    [
        ("Footings & Forms", "Footings & Forms"),
        ("footings  &  forms.", "Footings & Forms"),
        ("Footing", "Footings & Forms"),
        ("Framing", "Frame"),
        ("Rough frame", "Rough Frame"),
        ("Final building", "Building Final"),
        ("Building final", "Building Final"),
        ("Rough electrical", "Rough In"),
        ("Electrical final", "Electrical Final"),
        ("Plumbing final", "Plumbing Final"),
        ("Partial/Temp Building Final", "Partial/Temp Building Final"),
        ("Fénce final", "Fence Final"),
        ("Asbestos survey", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_insp_type_mapped(name, mapped):
    assert blds.insp_type_mapped(name) == mapped


def test_every_inspection_type_of_the_standard_maps_to_itself():
    for value in blds.INSP_TYPE_VALUES:
        assert blds.insp_type_mapped(value) == value
        assert blds.insp_type_mapped(value.upper()) == value


def test_dates_are_year_month_day():
    assert blds.blds_date(datetime.date(2026, 3, 7)) == "2026-03-07"
    assert blds.blds_date(None) == ""


def test_a_moment_is_dated_in_the_agencys_time_zone(settings):
    # given: 02:30 UTC on the 8th is still the 7th in New York
    settings.TIME_ZONE = "America/New_York"
    moment = datetime.datetime(2026, 3, 8, 2, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))

    # then
    assert blds.blds_date(moment) == "2026-03-07"


def test_yes_no():
    assert (blds.yes_no(True), blds.yes_no(False), blds.yes_no(None)) == ("Yes", "No", "")
