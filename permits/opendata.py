"""Open permit data: the `permits` and `inspections` datasets in BLDS v1.2 (permits.blds), as
CSV and JSON, streamed.

Memory stays flat however many permits there are: the rows come from a server-side cursor
(`QuerySet.iterator(chunk_size=...)` inside a transaction, so PostgreSQL hands them over as
they are read instead of materialising a WITH HOLD cursor first), as tuples of the columns
the standard needs (no model instances), and leave as text in blocks of about 64 KB (a few
thousand rows), so the web server writes a block at a time. tests/perf/test_permits_export.py
exports a million permits under 200 MB.

Only what the public register shows is published (see permits.selectors_public): the
permit, its property and work, its contractor's license, never the applicant.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import FilteredRelation, Q, QuerySet
from django.utils import translation

from cases.areas.locating import zip_code_in
from cases.workflow import get_workflow
from permits import blds
from permits.models import (
    ContractorTrade,
    Inspection,
    InspectionResult,
    InspectionStatus,
    Permit,
    PermitClass,
    WorkClass,
)
from permits.workflow import KIND
from portal import csvstream

CHUNK_ROWS = 2000

# The columns read for the permits dataset, in this order (see _permit_record).
_PERMIT_COLUMNS = (
    "permit_number",
    "case__reference",
    "work_description",
    "case__submitted_at",
    "issued_at",
    "finaled_at",
    "case__status",
    "case__closed_at",
    "current_stage__started_at",
    "address",
    "zip_code",
    "permit_type__permit_class",
    "permit_type__work_class",
    "permit_type__name",
    "permit_type__category",
    "square_feet",
    "valuation_cents",
    "housing_units",
    "parcel_number",
    "permit_type__contractor_trade",
    "contractor_license__number",
    "expires_at",
    "permit_type__gives_certificate_of_occupancy",
)


def permits_published() -> QuerySet[Permit]:
    """Every sent permit, oldest first, with its current stage (for StatusDate) and the ZIP
    code ending its address (`zip_code`, NULL for none: read in the same query, as the case
    engine reads it to place the case in an area)."""
    return (
        Permit.objects.filter(case__kind=KIND, case__submitted_at__isnull=False)
        .annotate(
            current_stage=FilteredRelation(
                "case__stages", condition=Q(case__stages__ended_at__isnull=True)
            ),
            zip_code=zip_code_in("address"),
        )
        .order_by("id")
    )


def _status_words() -> dict[str, str]:
    """Each permit status in plain English (the standard's StatusCurrent is the agency's own
    word; the open data is one file for every reader, so one language)."""
    workflow = get_workflow(KIND)
    with translation.override("en"):
        return {code: str(state.label) for code, state in workflow.states.items()}


def _choice_words(choices) -> dict[str, str]:
    """Each value of `choices` in plain English."""
    with translation.override("en"):
        return {value: str(label) for value, label in choices.choices}


def permit_records(*, link: Callable[[str], str]) -> Iterator[dict]:
    """The permits dataset, one dict per permit in BLDS field order (values typed: int for
    the standard's INTEGER fields, Decimal for NUMERIC, text otherwise, "" or None where
    unknown). `link(reference)` is the permit's public page."""
    statuses = _status_words()
    work_classes = _choice_words(WorkClass)
    permit_classes = _choice_words(PermitClass)
    trades = _choice_words(ContractorTrade)
    city = settings.AGENCY["short_name"]
    state = settings.PERMITS_ADDRESS_STATE
    publisher = settings.AGENCY["name"]
    rows = permits_published().values_list(*_PERMIT_COLUMNS)
    with transaction.atomic():
        for (
            permit_number,
            reference,
            description,
            applied_at,
            issued_at,
            finaled_at,
            status,
            closed_at,
            status_since,
            address,
            zip_code,
            permit_class,
            work_class,
            type_name,
            category,
            square_feet,
            valuation_cents,
            housing_units,
            parcel_number,
            trade,
            contractor_number,
            expires_at,
            gives_co,
        ) in rows.iterator(chunk_size=CHUNK_ROWS):
            yield {
                "PermitNum": permit_number or reference,
                "Description": description,
                "AppliedDate": blds.blds_date(applied_at),
                "IssuedDate": blds.blds_date(issued_at),
                "CompletedDate": blds.blds_date(finaled_at),
                "StatusCurrent": statuses.get(status, status),
                "OriginalAddress1": address,
                "OriginalAddress2": "",
                "OriginalCity": city,
                "OriginalState": state,
                "OriginalZip": zip_code or "",
                "Jurisdiction": publisher,
                "PermitClass": permit_classes.get(permit_class, ""),
                "PermitClassMapped": blds.permit_class_mapped(permit_class),
                "StatusCurrentMapped": blds.status_current_mapped(status),
                "StatusDate": blds.blds_date(status_since or closed_at or applied_at),
                "WorkClass": work_classes.get(work_class, ""),
                "WorkClassMapped": blds.work_class_mapped(work_class),
                "PermitType": type_name,
                "PermitTypeMapped": blds.permit_type_mapped(category),
                "PermitTypeDesc": type_name,
                "TotalSqFt": square_feet,
                "Link": link(reference),
                "EstProjectCost": Decimal(valuation_cents) / 100 if valuation_cents else None,
                "HousingUnits": housing_units,
                "PIN": parcel_number,
                "ContractorTrade": trades.get(trade, "") if contractor_number else "",
                "ContractorTradeMapped": blds.contractor_trade_mapped(trade)
                if contractor_number
                else "",
                "ContractorLicNum": contractor_number or "",
                "ExpiresDate": blds.blds_date(expires_at),
                "COIssuedDate": blds.blds_date(finaled_at) if gives_co else "",
                "Publisher": publisher,
            }


_INSPECTION_COLUMNS = (
    "permit__permit_number",
    "permit__case__reference",
    "step__name",
    "step__category",
    "status",
    "result",
    "day",
    "deficiencies",
    "step__final",
)


def inspections_published() -> QuerySet[Inspection]:
    """Every inspection of a sent permit, in the order they were booked."""
    return Inspection.objects.filter(
        permit__case__kind=KIND, permit__case__submitted_at__isnull=False
    ).order_by("id")


def inspection_records(*, link: Callable[[str], str] | None = None) -> Iterator[dict]:
    """The inspections dataset, one dict per inspection in BLDS field order. PermitNum is the
    permits dataset's. The notes are the deficiencies found (what is wrong with the work),
    never the inspector's comments, which may name people."""
    results = _choice_words(InspectionResult)
    statuses = _choice_words(InspectionStatus)
    rows = inspections_published().values_list(*_INSPECTION_COLUMNS)
    with transaction.atomic():
        for (
            permit_number,
            reference,
            step_name,
            category,
            status,
            result,
            day,
            deficiencies,
            final,
        ) in rows.iterator(chunk_size=CHUNK_ROWS):
            cancelled = status == InspectionStatus.CANCELLED
            yield {
                "PermitNum": permit_number or reference,
                "InspType": step_name,
                "InspTypeMapped": blds.insp_type_mapped(category),
                "Result": results.get(result, "") if result else statuses.get(status, ""),
                "ResultMapped": blds.result_mapped(
                    InspectionResult.CANCELLED if cancelled else result
                ),
                "ScheduledDate": blds.blds_date(day),
                # The day it was done on (the result may be typed in later).
                "InspectedDate": blds.blds_date(day) if status == InspectionStatus.DONE else "",
                "InspectionNotes": deficiencies,
                "Final": blds.yes_no(final),
            }


# --- Formats ---------------------------------------------------------------------------------


def _value(value):
    """A record's value for CSV: booleans as the standard's yes/no (the rest is written by
    `portal.csvstream.cell`)."""
    return blds.yes_no(value) if isinstance(value, bool) else value


def csv_stream(fields: tuple[str, ...], records: Iterable[dict]) -> Iterator[str]:
    """`records` as CSV text with a header row, in blocks."""
    rows = ([_value(record[name]) for name in fields] for record in records)
    return csvstream.csv_lines(fields, rows)


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def json_stream(fields: tuple[str, ...], records: Iterable[dict]) -> Iterator[str]:
    """`records` as one JSON array of objects (the standard's field names as keys), in
    blocks; unknown values are null."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

    def pieces() -> Iterator[str]:
        yield "["
        separator = "\n"
        for record in records:
            row = {
                name: None if record[name] == "" else _json_value(record[name]) for name in fields
            }
            yield separator + encoder.encode(row)
            separator = ",\n"
        yield "\n]\n"

    return csvstream.blocks(pieces())


FORMATS: dict[str, tuple[str, Callable]] = {
    "csv": ("text/csv; charset=utf-8", csv_stream),
    "json": ("application/json", json_stream),
}

# The datasets: name -> (the standard's columns, the records).
DATASETS: dict[str, tuple[tuple[str, ...], Callable[..., Iterator[dict]]]] = {
    "permits": (blds.PERMIT_FIELDS, permit_records),
    "inspections": (blds.INSPECTION_FIELDS, inspection_records),
}
