"""The plan sheets an inspector reads on site, scoped to the inspections on their own route."""

from __future__ import annotations

from permits.models import Inspection, PlanSheet


def plan_sheet_for_inspector(*, inspector, inspection_pk: int, sheet_id: int) -> PlanSheet:
    """One sheet of the permit of one of `inspector`'s own inspections.

    Raises PlanSheet.DoesNotExist for anyone else's inspection or a sheet of another permit,
    so neither can be told from one that does not exist.
    """
    inspections = Inspection.objects.filter(pk=inspection_pk, inspector=inspector)
    return PlanSheet.objects.get(
        pk=sheet_id,
        removed_at__isnull=True,
        permit_id__in=inspections.values("permit_id"),
    )
