"""The inspector's own order of a day's stops: move one stop up or down the route."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from permits.exceptions import InspectionRefused
from permits.models import Inspection
from permits.selectors_inspections import inspector_route
from permits.services.inspections import inspections_route_order

UP = "up"
DOWN = "down"


def movable(first: Inspection, second: Inspection) -> bool:
    """Whether two neighbouring stops may swap: same half-day and the same agreed time (a
    stop booked for an exact time stays at that time; the applicant was told it)."""
    return first.period == second.period and first.starts_at == second.starts_at


def inspection_route_move(*, inspection: Inspection, direction: str, actor) -> None:
    """Swap `inspection` with its neighbour above (`up`) or below (`down`) in its
    inspector's route of its day, and store the whole day's order.

    Raises InspectionRefused when the direction is unknown, the stop is already first or
    last of its half-day, or the neighbour keeps an agreed time."""
    if direction not in (UP, DOWN):
        raise InspectionRefused(_("Choose to move the stop up or down."), code="direction")
    with transaction.atomic():
        route = list(
            inspector_route(inspector=inspection.inspector, day=inspection.day).select_for_update(
                of=("self",)
            )
        )
        ids = [stop.pk for stop in route]
        if inspection.pk not in ids:
            raise InspectionRefused(_("This stop is no longer on the route."), code="gone")
        here = ids.index(inspection.pk)
        there = here - 1 if direction == UP else here + 1
        if not 0 <= there < len(route) or not movable(route[here], route[there]):
            raise InspectionRefused(
                _("This stop cannot move further in its half-day."), code="edge"
            )
        ids[here], ids[there] = ids[there], ids[here]
        inspections_route_order(
            inspector=inspection.inspector, day=inspection.day, order=ids, actor=actor
        )
