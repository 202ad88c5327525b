"""The Building & Land Development Specification (BLDS v1.2): the open permit data standard
that open-data portals and researchers read (permitdata.org; field lists in the Core-Permits,
Inspections and Appendix A pages of its wiki).

This module holds what the standard says and how the portal's own words map onto it: the
columns of the `permits` and `inspections` datasets, in order, and the value lists
(`StatusCurrentMapped`, `PermitTypeMapped`, `WorkClassMapped`, `InspTypeMapped`,
`ResultMapped`). The permit types' categories and inspection kinds carry their BLDS words
(permits.models.types); the statuses, classes, trades and results are mapped here. Nothing
here reads the database: `permits.opendata` streams the rows and calls these functions on
each, so a mapping is written once for the CSV, the JSON and the tests.

A value the standard's list has no word for maps to "" (the column is then empty), never to
a near miss: a sign permit is not a "Building" permit, and an open-data reader filtering on
the mapped list should not find it there.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from permits import workflow
from permits.models.types import (
    BLDS_INSPECTION_TYPE,
    BLDS_PERMIT_TYPE,
    ContractorTrade,
    PermitClass,
    WorkClass,
)

# --- Columns ---------------------------------------------------------------------------------

# The permits dataset: the standard's required fields, then the recommended and optional ones
# the portal holds. Contractor's phone, e-mail and address are optional in the standard and
# left out: the public register shows the license number and trade, as the lookup does.
PERMIT_FIELDS: tuple[str, ...] = (
    "PermitNum",
    "Description",
    "AppliedDate",
    "IssuedDate",
    "CompletedDate",
    "StatusCurrent",
    "OriginalAddress1",
    "OriginalAddress2",
    "OriginalCity",
    "OriginalState",
    "OriginalZip",
    "Jurisdiction",
    "PermitClass",
    "PermitClassMapped",
    "StatusCurrentMapped",
    "StatusDate",
    "WorkClass",
    "WorkClassMapped",
    "PermitType",
    "PermitTypeMapped",
    "PermitTypeDesc",
    "TotalSqFt",
    "Link",
    "EstProjectCost",
    "HousingUnits",
    "PIN",
    "ContractorTrade",
    "ContractorTradeMapped",
    "ContractorLicNum",
    "ExpiresDate",
    "COIssuedDate",
    "Publisher",
)

# The inspections dataset: PermitNum is the permits dataset's, so the two join.
INSPECTION_FIELDS: tuple[str, ...] = (
    "PermitNum",
    "InspType",
    "InspTypeMapped",
    "Result",
    "ResultMapped",
    "ScheduledDate",
    "InspectedDate",
    "InspectionNotes",
    "Final",
)

# The standard's typed fields: written as numbers in JSON (and as text in CSV, as all are).
INTEGER_FIELDS = frozenset({"TotalSqFt", "HousingUnits", "AddedSqFt", "RemovedSqFt", "Fee"})
NUMERIC_FIELDS = frozenset({"Latitude", "Longitude", "EstProjectCost"})

# --- Value lists (Appendix A) ----------------------------------------------------------------

STATUS_CURRENT_VALUES = (
    "Application Accepted",
    "Fees/Payment",
    "In Review",
    "Permit Issued",
    "Inspection Phase",
    "Permit Finaled",
    "Permit Finaled with Conditions",
    "Occupancy",
    "Appeal",
    "Permit Cancelled",
)
PERMIT_TYPE_VALUES = (
    "Building",
    "Demolition",
    "Electrical",
    "Mechanical",
    "Plumbing",
    "Roof",
    "Fence",
    "Grading",
    "Pool/Spa",
)
PERMIT_CLASS_VALUES = ("Residential", "Non-Residential")
WORK_CLASS_VALUES = ("New", "Existing")
CONTRACTOR_TRADE_VALUES = (
    "General",
    "Electrical",
    "Mechanical",
    "Plumbing",
    "Architecture",
    "Engineering",
    "Masonry",
    "Sign",
    "Tent",
)
RESULT_VALUES = ("Passed", "Rejected", "Partial", "Cancelled", "OK for Service")
INSP_TYPE_VALUES = (
    "Set Backs",
    "Temp Power",
    "Footings & Forms",
    "Foundation",
    "Rough Frame",
    "Frame",
    "Floor Deck",
    "Roof Deck",
    "Partial/Temp Building Final",
    "Building Final",
    "Fire Final",
    "Zoning Final",
    "Progress Check",
    "Health Final",
    "Sanitary Sewer Final",
    "Storm Sewer Final",
    "Storm Water Quality Final",
    "Gas Disconnect",
    "Electrical Disconnect",
    "Hazardous Material Removal",
    "Roof Final",
    "Rough",
    "Service",
    "Ground Work",
    "Electrical Final",
    "Temp Service Pole",
    "Breaker Box",
    "Grounding",
    "Fence Final",
    "Grading Final",
    "Rough In",
    "Duct Work",
    "Gas Meter Reset",
    "Gas Service",
    "Construction Gas",
    "Service Interior",
    "Relocate Service",
    "Mechanical Final",
    "Sewer",
    "Water",
    "Gas",
    "Plumbing Final",
)

# The permit workflow's statuses (permits.workflow). Approved waits for the permit fee; an
# expired permit is void, as a cancelled one (StatusCurrent keeps the agency's own word).
STATUS_CURRENT_MAPPED: dict[str, str] = {
    workflow.SUBMITTED: "Application Accepted",
    workflow.IN_REVIEW: "In Review",
    workflow.CORRECTIONS_REQUIRED: "In Review",
    workflow.APPROVED: "Fees/Payment",
    workflow.ISSUED: "Permit Issued",
    workflow.INSPECTIONS: "Inspection Phase",
    workflow.FINALED: "Permit Finaled",
    workflow.EXPIRED: "Permit Cancelled",
    workflow.CANCELLED: "Permit Cancelled",
    workflow.WITHDRAWN: "Permit Cancelled",
}

# Permit types' categories carry their BLDS word (permits.models.types.BLDS_PERMIT_TYPE);
# "other" (a sign, a tent) has none in the standard's list.
PERMIT_TYPE_MAPPED: dict[str, str] = {str(code): word for code, word in BLDS_PERMIT_TYPE.items()}

WORK_CLASS_MAPPED: dict[str, str] = {WorkClass.NEW: "New", WorkClass.EXISTING: "Existing"}

PERMIT_CLASS_MAPPED: dict[str, str] = {
    PermitClass.RESIDENTIAL: "Residential",
    PermitClass.NON_RESIDENTIAL: "Non-Residential",
}

# The trade a permit type asks of its contractor: the standard's words, capitalised.
CONTRACTOR_TRADE_MAPPED: dict[str, str] = {
    ContractorTrade.GENERAL: "General",
    ContractorTrade.ELECTRICAL: "Electrical",
    ContractorTrade.MECHANICAL: "Mechanical",
    ContractorTrade.PLUMBING: "Plumbing",
    ContractorTrade.ARCHITECTURE: "Architecture",
    ContractorTrade.ENGINEERING: "Engineering",
    ContractorTrade.MASONRY: "Masonry",
    ContractorTrade.SIGN: "Sign",
    ContractorTrade.TENT: "Tent",
}

# Inspection results. A failed inspection is "Rejected" in the standard's words.
RESULT_MAPPED: dict[str, str] = {
    "passed": "Passed",
    "failed": "Rejected",
    "partial": "Partial",
    "cancelled": "Cancelled",
}

# Inspection kinds carry their BLDS word (permits.models.types.BLDS_INSPECTION_TYPE).
INSP_TYPE_MAPPED: dict[str, str] = {str(code): word for code, word in BLDS_INSPECTION_TYPE.items()}


def _mapped(table: dict[str, str], code: str | None) -> str:
    return table.get(code or "", "")


def status_current_mapped(status: str | None) -> str:
    """The standard's StatusCurrentMapped for a permit's workflow status ("" if none fits)."""
    return _mapped(STATUS_CURRENT_MAPPED, status)


def permit_type_mapped(category: str | None) -> str:
    """The standard's PermitTypeMapped for a permit type's category ("" if none fits)."""
    return _mapped(PERMIT_TYPE_MAPPED, category)


def work_class_mapped(work_class: str | None) -> str:
    """The standard's WorkClassMapped for a permit type's class of work: New or Existing."""
    return _mapped(WORK_CLASS_MAPPED, work_class)


def permit_class_mapped(permit_class: str | None) -> str:
    """Residential or Non-Residential ("" when the portal does not know)."""
    return _mapped(PERMIT_CLASS_MAPPED, permit_class)


def contractor_trade_mapped(trade: str | None) -> str:
    """The standard's ContractorTradeMapped for the contractor's trade."""
    return _mapped(CONTRACTOR_TRADE_MAPPED, trade)


def result_mapped(result: str | None) -> str:
    """The standard's ResultMapped for an inspection's result ("" while none is recorded)."""
    return _mapped(RESULT_MAPPED, result)


def insp_type_mapped(category: str | None) -> str:
    """The standard's InspTypeMapped for an inspection step's kind ("" if none)."""
    return _mapped(INSP_TYPE_MAPPED, category)


def yes_no(value: bool | None) -> str:
    """The standard's Yes/No lists (Final, ReInspection); "" when unknown."""
    if value is None:
        return ""
    return "Yes" if value else "No"


def blds_date(value: datetime.date | datetime.datetime | None) -> str:
    """`value` as the standard's dates: text YYYY-MM-DD ("" for none). A moment is dated in
    the agency's time zone, as its register and its residents date it."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return value.isoformat()
