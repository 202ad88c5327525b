"""The Building & Land Development Specification (BLDS v1.2): the open permit data standard
that open-data portals and researchers read (permitdata.org; field lists in the Core-Permits,
Inspections and Appendix A pages of its wiki).

This module holds what the standard says and how the portal's own words map onto it: the
columns of the `permits` and `inspections` datasets, in order, and the value lists
(`StatusCurrentMapped`, `PermitTypeMapped`, `WorkClassMapped`, `InspTypeMapped`,
`ResultMapped`). Nothing here reads the database: `permits.opendata` streams the rows and
calls these functions on each, so a mapping is written once for the CSV, the JSON and the
tests.

A value the standard's list has no word for maps to "" (the column is then empty), never to
a near miss: a sign permit is not a "Building" permit, and an open-data reader filtering on
the mapped list should not find it there.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.utils import timezone

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
    "Description",
    "Final",
    "ReInspection",
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

# The permit workflow's statuses. A status missing here maps to "" (tests/permits checks
# that every status of the workflow a permit can be published in has its entry).
STATUS_CURRENT_MAPPED: dict[str, str] = {
    "submitted": "Application Accepted",
    "intake": "Application Accepted",
    "accepted": "Application Accepted",
    "fee_due": "Fees/Payment",
    "application_fee_due": "Fees/Payment",
    "permit_fee_due": "Fees/Payment",
    "in_review": "In Review",
    "corrections_required": "In Review",
    "approved": "In Review",
    "issued": "Permit Issued",
    "inspections": "Inspection Phase",
    "inspection_phase": "Inspection Phase",
    "finaled": "Permit Finaled",
    "finaled_with_conditions": "Permit Finaled with Conditions",
    "occupancy": "Occupancy",
    "appeal": "Appeal",
    "cancelled": "Permit Cancelled",
    "withdrawn": "Permit Cancelled",
    "rejected": "Permit Cancelled",
    "denied": "Permit Cancelled",
    "expired": "Permit Cancelled",
    "revoked": "Permit Cancelled",
}

# Permit types' categories (building, demolition, electrical...). Sign has no word in the
# standard's list.
PERMIT_TYPE_MAPPED: dict[str, str] = {
    "building": "Building",
    "demolition": "Demolition",
    "electrical": "Electrical",
    "mechanical": "Mechanical",
    "plumbing": "Plumbing",
    "roof": "Roof",
    "roofing": "Roof",
    "fence": "Fence",
    "grading": "Grading",
    "pool": "Pool/Spa",
    "pool_spa": "Pool/Spa",
}

# The work's class: new construction, or work on an existing structure.
WORK_CLASS_MAPPED: dict[str, str] = {
    "new": "New",
    "addition": "Existing",
    "alteration": "Existing",
    "repair": "Existing",
    "replacement": "Existing",
    "demolition": "Existing",
    "existing": "Existing",
}

PERMIT_CLASS_MAPPED: dict[str, str] = {
    "residential": "Residential",
    "commercial": "Non-Residential",
    "non_residential": "Non-Residential",
    "industrial": "Non-Residential",
    "institutional": "Non-Residential",
}

# Trades of the contractor's license, as the licensing register names them.
CONTRACTOR_TRADE_MAPPED: dict[str, str] = {
    "general": "General",
    "building": "General",
    "electrical": "Electrical",
    "mechanical": "Mechanical",
    "hvac": "Mechanical",
    "plumbing": "Plumbing",
    "architecture": "Architecture",
    "engineering": "Engineering",
    "masonry": "Masonry",
    "sign": "Sign",
    "tent": "Tent",
}

# Inspection results. A failed inspection is "Rejected" in the standard's words.
RESULT_MAPPED: dict[str, str] = {
    "passed": "Passed",
    "pass": "Passed",
    "approved": "Passed",
    "failed": "Rejected",
    "fail": "Rejected",
    "rejected": "Rejected",
    "partial": "Partial",
    "cancelled": "Cancelled",
    "canceled": "Cancelled",
    "ok_for_service": "OK for Service",
}

# Inspection types are data an administrator enters (each type's inspection sequence), so
# they are matched by name: first the standard's own words, then the usual other names.
_INSP_TYPE_ALIASES: dict[str, str] = {
    "setback": "Set Backs",
    "setbacks": "Set Backs",
    "temporary power": "Temp Power",
    "footing": "Footings & Forms",
    "footings": "Footings & Forms",
    "footing and forms": "Footings & Forms",
    "footings and forms": "Footings & Forms",
    "forms": "Footings & Forms",
    "framing": "Frame",
    "rough framing": "Rough Frame",
    "final": "Building Final",
    "final building": "Building Final",
    "building": "Building Final",
    "final inspection": "Building Final",
    "temporary building final": "Partial/Temp Building Final",
    "partial building final": "Partial/Temp Building Final",
    "fire": "Fire Final",
    "final fire": "Fire Final",
    "zoning": "Zoning Final",
    "progress": "Progress Check",
    "health": "Health Final",
    "roof": "Roof Final",
    "final roof": "Roof Final",
    "roofing final": "Roof Final",
    "electrical rough": "Rough In",
    "rough electrical": "Rough In",
    "rough plumbing": "Rough In",
    "plumbing rough": "Rough In",
    "rough mechanical": "Rough In",
    "mechanical rough": "Rough In",
    "rough-in": "Rough In",
    "final electrical": "Electrical Final",
    "electrical": "Electrical Final",
    "final mechanical": "Mechanical Final",
    "mechanical": "Mechanical Final",
    "final plumbing": "Plumbing Final",
    "plumbing": "Plumbing Final",
    "fence": "Fence Final",
    "final fence": "Fence Final",
    "grading": "Grading Final",
    "final grading": "Grading Final",
    "ductwork": "Duct Work",
    "electrical service": "Service",
    "underground": "Ground Work",
    "groundwork": "Ground Work",
    "pool final": "Building Final",
    "sewer lateral": "Sewer",
    "water service": "Water",
}


def _words(text: str) -> str:
    """`text` lower-cased, without accents, its punctuation (but &) turned into single spaces:
    "Footings & Forms" and "footings &  forms." compare equal."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^\w&/]+", " ", plain.lower().replace("_", " ")).split())


_INSP_TYPE_BY_WORDS: dict[str, str] = {
    **{_words(alias): value for alias, value in _INSP_TYPE_ALIASES.items()},
    **{_words(value): value for value in INSP_TYPE_VALUES},
}


def _mapped(table: dict[str, str], code: str | None) -> str:
    return table.get((code or "").strip().lower(), "")


def status_current_mapped(status: str | None) -> str:
    """The standard's StatusCurrentMapped for a permit's workflow status ("" if none fits)."""
    return _mapped(STATUS_CURRENT_MAPPED, status)


def permit_type_mapped(category: str | None) -> str:
    """The standard's PermitTypeMapped for a permit type's category ("" if none fits)."""
    return _mapped(PERMIT_TYPE_MAPPED, category)


def work_class_mapped(work_class: str | None) -> str:
    """The standard's WorkClassMapped for the permit's class of work: New or Existing."""
    return _mapped(WORK_CLASS_MAPPED, work_class)


def permit_class_mapped(permit_class: str | None) -> str:
    """Residential or Non-Residential ("" when the portal does not know)."""
    return _mapped(PERMIT_CLASS_MAPPED, permit_class)


def contractor_trade_mapped(trade: str | None) -> str:
    """The standard's ContractorTradeMapped for a contractor license's trade."""
    return _mapped(CONTRACTOR_TRADE_MAPPED, trade)


def result_mapped(result: str | None) -> str:
    """The standard's ResultMapped for an inspection's result ("" while none is recorded)."""
    return _mapped(RESULT_MAPPED, result)


def insp_type_mapped(name: str | None) -> str:
    """The standard's InspTypeMapped for an inspection named `name` by the agency ("Final
    building", "footings & forms"), or "" if the standard has no such type."""
    return _INSP_TYPE_BY_WORDS.get(_words(name or ""), "")


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
