"""Which area each case lies in: set by the database, for one case or every open one at once.

A workflow declares where its cases are with a `CaseLocation` (its `location`): the service's
row linked to the case, and the fields holding a point or an address. The engine reads them
in SQL, through the function `cases_area_at(latitude, longitude, zip)` (migration 0019):
the area an odd number of whose rings hold the point (inside an outer edge, not in a hole),
or, for a case with no point, the area listing its ZIP code; the area created first where
several match; NULL outside every area.

A case's area is set after the transaction that sends it commits (its service writes its own
row, with the location, after the case), as one UPDATE; `areas_reassign` sets every open
case's again, one UPDATE per service, after an administrator changes the areas.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from django.apps import apps
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    Expression,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast

from cases.areas.boundaries import boundary_rings
from cases.areas.models import Area, AreaRing

logger = logging.getLogger(__name__)

# A US ZIP code ending a free-text address ("..., Springfield, IL 62704-1234" gives 62704), as
# PostgreSQL's `substring` reads it (the first group): five digits alone, not the end of a
# longer number ("Lot 162704", "62704-12345", "1-62704"), then perhaps ZIP+4's four, then
# perhaps ASCII white space. Anything else ends in no ZIP code: the case is placed by none.
ZIP_AT_END = r"(?<![0-9])(?<![0-9]-)([0-9]{5})(?:-[0-9]{4})?[ \t\n\r\f\v]*$"


@dataclass(frozen=True)
class CaseLocation:
    """Where the cases of one workflow are: fields of the service's row for a case.

    `model` is that row's model ("concerns.ConcernReport"), `case` its link to the case.
    `latitude` and `longitude` name a point, `address` a free-text address ending in a ZIP
    code; each may follow relations ("facility__latitude", "license__application__address").
    A case with a point is placed by it; one without, by its address's ZIP code.
    """

    model: str
    case: str = "case"
    latitude: str = ""
    longitude: str = ""
    address: str = ""


class AreaAt(Func):
    """The id of the area at a point or ZIP code (NULL outside every area)."""

    function = "cases_area_at"
    output_field = BigIntegerField()


def zip_code_in(address: str | Expression) -> Func:
    """The ZIP code ending `address` (a field's name, or an expression), as SQL: five digits,
    NULL when the address ends in none."""
    text = F(address) if isinstance(address, str) else address
    return Func(text, Value(ZIP_AT_END), function="substring", output_field=CharField())


def area_expression(location: CaseLocation):
    """The area of the case the service's row (the query's row) belongs to, as SQL."""
    no_number = Value(None, output_field=FloatField())
    latitude = Cast(location.latitude, FloatField()) if location.latitude else no_number
    longitude = Cast(location.longitude, FloatField()) if location.longitude else no_number
    zip_code = zip_code_in(location.address) if location.address else Value("")
    return AreaAt(latitude, longitude, zip_code)


def _locate(cases, location: CaseLocation) -> int:
    """Set the area of each of `cases` (a Case queryset of one workflow) whose area is not
    the one its location lies in: only those rows are written. Returns how many moved."""
    from cases.models import Case

    rows = apps.get_model(location.model).objects.filter(**{location.case: OuterRef("pk")})
    found = Subquery(rows.annotate(found_area=area_expression(location)).values("found_area")[:1])
    moved = cases.annotate(found_area=found).filter(
        Q(area__isnull=True, found_area__isnull=False)
        | Q(area__isnull=False, found_area__isnull=True)
        | (Q(area__isnull=False, found_area__isnull=False) & ~Q(area_id=F("found_area")))
    )
    return Case.objects.filter(pk__in=moved.values("pk")).update(area_id=found)


def cases_locate(*, case_ids: list[int]) -> int:
    """Set the area of the cases `case_ids` from their services' locations (one UPDATE per
    service among them); how many moved."""
    from cases.models import Case
    from cases.workflow import registered_workflows

    kinds = set(Case.objects.filter(pk__in=case_ids).values_list("kind", flat=True))
    done = 0
    for workflow in registered_workflows():
        if workflow.kind in kinds and workflow.location is not None:
            cases = Case.objects.filter(pk__in=case_ids, kind=workflow.kind)
            done += _locate(cases, workflow.location)
    return done


def area_now(case) -> Area | None:
    """The area `case` lies in by its service's location as the areas are now (what
    `areas_reassign` would set, even before it runs): one query. None outside every area, or
    for a service that declares no location. For a service matching its own staff to a case
    (an inspector of the case's area) without waiting for the night's reassignment."""
    workflow = case.workflow
    location = workflow.location if workflow is not None else None
    if location is None:
        return None
    rows = apps.get_model(location.model).objects.filter(**{location.case: case.pk})
    found = rows.annotate(found_area=area_expression(location)).values("found_area")[:1]
    return Area.objects.filter(pk=Subquery(found)).first()


def case_locate_after_commit(case) -> None:
    """Set `case`'s area once the transaction sending it commits (its service's row, which
    holds the location, is written after the case). A failure is logged, never raised: the
    case stands, and the next `areas_reassign` places it."""
    workflow = case.workflow
    if workflow is None or workflow.location is None:
        return
    transaction.on_commit(partial(cases_locate, case_ids=[case.pk]), robust=True)


def areas_reassign() -> int:
    """Set the area of every open, sent case again (after areas were added, redrawn or
    removed, or a facility moved): one UPDATE per service whose workflow has a location,
    writing only the cases whose area changes. Returns how many moved; a second run moves
    none."""
    from cases.models import Case, CaseStatus
    from cases.workflow import registered_workflows

    done = 0
    for workflow in registered_workflows():
        if workflow.location is None:
            continue
        cases = Case.objects.filter(kind=workflow.kind, closed_at__isnull=True).exclude(
            status=CaseStatus.DRAFT
        )
        with transaction.atomic():
            done += _locate(cases, workflow.location)
    logger.info("%s open cases moved to another area", done)
    return done


def area_save(*, area: Area, boundary: dict | None) -> Area:
    """Save `area` with `boundary` (checked by `boundaries.boundary_parse`) and its rings, in
    one transaction. Cases are not moved: that is `areas_reassign`'s job."""
    with transaction.atomic():
        area.boundary = boundary
        area.full_clean()
        area.save()
        AreaRing.objects.filter(area=area).delete()
        AreaRing.objects.bulk_create(
            AreaRing(area=area, ring=ring) for ring in boundary_rings(boundary)
        )
    return area
