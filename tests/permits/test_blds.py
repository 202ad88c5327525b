"""The BLDS v1.2 columns and value lists (permits.blds)."""

import datetime
import zoneinfo

import pytest

from permits import blds
from permits.models import (
    ContractorTrade,
    InspectionCategory,
    PermitCategory,
    PermitClass,
    WorkClass,
)
from permits.workflow import DRAFT, PERMIT

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
    assert set(table.values()) - {""} <= set(values)


@pytest.mark.parametrize(
    ("status", "mapped"),
    [
        ("submitted", "Application Accepted"),
        ("in_review", "In Review"),
        ("corrections_required", "In Review"),
        ("approved", "Fees/Payment"),
        ("issued", "Permit Issued"),
        ("inspections", "Inspection Phase"),
        ("finaled", "Permit Finaled"),
        ("cancelled", "Permit Cancelled"),
        ("withdrawn", "Permit Cancelled"),
        ("expired", "Permit Cancelled"),
        ("draft", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_status_current_mapped(status, mapped):
    assert blds.status_current_mapped(status) == mapped


def test_every_status_a_sent_permit_can_have_is_mapped():
    unmapped = set(PERMIT.states) - {DRAFT} - set(blds.STATUS_CURRENT_MAPPED)
    assert unmapped == set()


@pytest.mark.parametrize(
    ("category", "mapped"),
    [
        (PermitCategory.BUILDING, "Building"),
        (PermitCategory.DEMOLITION, "Demolition"),
        (PermitCategory.POOL_SPA, "Pool/Spa"),
        ("roof", "Roof"),
        # the standard has no word for a sign: left empty, not called Building
        (PermitCategory.OTHER, ""),
        (None, ""),
    ],
)
def test_permit_type_mapped(category, mapped):
    assert blds.permit_type_mapped(category) == mapped


@pytest.mark.parametrize(
    ("work_class", "mapped"),
    [(WorkClass.NEW, "New"), (WorkClass.EXISTING, "Existing"), ("", "")],
)
def test_work_class_mapped(work_class, mapped):
    assert blds.work_class_mapped(work_class) == mapped


def test_every_trade_and_class_has_its_word():
    assert {blds.contractor_trade_mapped(t) for t in ContractorTrade.values} == set(
        blds.CONTRACTOR_TRADE_VALUES
    )
    assert {blds.permit_class_mapped(c) for c in PermitClass.values} == set(
        blds.PERMIT_CLASS_VALUES
    )


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
    ("category", "mapped"),
    [
        (InspectionCategory.FOOTINGS, "Footings & Forms"),
        (InspectionCategory.BUILDING_FINAL, "Building Final"),
        (InspectionCategory.ROUGH_IN, "Rough In"),
        ("", ""),
        (None, ""),
    ],
)
def test_insp_type_mapped(category, mapped):
    assert blds.insp_type_mapped(category) == mapped


def test_every_inspection_kind_maps_into_the_standards_list():
    assert {blds.insp_type_mapped(c) for c in InspectionCategory.values} <= set(
        blds.INSP_TYPE_VALUES
    )


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
