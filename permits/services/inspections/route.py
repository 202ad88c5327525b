"""The inspector's own route: the order of their day's inspections."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from permits.exceptions import InspectionRefused
from permits.models import Inspection
from permits.selectors_inspections import may_order_route


def inspections_route_order(*, inspector, day: datetime.date, order: list[int], actor) -> None:
    """Set the order of the inspector's `day` (inspection ids, first to last).

    `actor` is the inspector or their supervisor (`may_order_route`); raises
    InspectionRefused for anybody else. The order is kept on the day's inspections: a
    booking made later goes last in its half-day, a cancellation leaves the rest as they
    are."""
    if not may_order_route(user=actor, inspector=inspector):
        raise InspectionRefused(
            _("Only the inspector or their supervisor orders their route."), code="forbidden"
        )
    with transaction.atomic():
        rows = {
            row.pk: row
            for row in Inspection.objects.select_for_update().filter(
                inspector=inspector, day=day, pk__in=order
            )
        }
        for position, pk in enumerate(order, start=1):
            if pk in rows:
                rows[pk].route_order = position
                rows[pk].save(update_fields=["route_order", "updated_at"])
