"""The inspector's own route: the order of their day's inspections."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from cases import permissions
from permits.exceptions import InspectionRefused
from permits.models import Inspection


def inspections_route_order(*, inspector, day: datetime.date, order: list[int], actor) -> None:
    """Set the order of the inspector's `day` (inspection ids, first to last)."""
    if not (
        permissions.is_active_staff(actor) and (actor.pk == inspector.pk or actor.is_superuser)
    ):
        raise InspectionRefused(_("Only the inspector orders their own route."), code="forbidden")
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
