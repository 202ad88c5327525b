"""What every inspection write shares: the case lock taken first, the inspection row's lock,
and the payload of the events it records on the case."""

from __future__ import annotations

from cases.models import Case
from permits.models import Inspection, Permit


def _lock_case(permit: Permit) -> Case:
    return Case.objects.select_for_update().get(pk=permit.case_id)


def _lock_inspection(inspection: Inspection) -> Inspection:
    return (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("step")
        .get(pk=inspection.pk)
    )


def _payload(inspection: Inspection, **extra) -> dict:
    return {
        "inspection": inspection.step.name,
        "inspection_es": inspection.step.name_es,
        "day_on": inspection.day.isoformat(),
        "period": inspection.period,
        "time": f"{inspection.starts_at:%H:%M}" if inspection.starts_at else "",
        **extra,
    }
