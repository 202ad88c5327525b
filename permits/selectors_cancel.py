"""Reads of the cancelling pages, scoped: staff find a permit they may cancel (they move
cases of its department), by its case reference or its permit number."""

from __future__ import annotations

from django.db.models import Q

from cases import permissions
from permits.models import Permit


def permit_for_cancelling(*, user, reference: str) -> Permit | None:
    """The permit `reference` (case reference or permit number) names, if `user` moves cases
    of its department; None otherwise (whether it exists or not: a stranger learns nothing)."""
    reference = (reference or "").strip().upper()
    if not reference or not permissions.is_active_staff(user):
        return None
    permit = (
        Permit.objects.filter(discarded_at__isnull=True)
        .filter(Q(case__reference=reference) | Q(permit_number=reference))
        .select_related("case", "case__department", "case__applicant", "permit_type")
        .first()
    )
    if permit is None or not permissions.can(user, permissions.MOVE, permit.case):
        return None
    return permit


def cancel_reason(*, permit: Permit) -> str:
    """Why staff cancelled the permit, as the applicant reads it (empty unless cancelled)."""
    from cases.models import CaseEvent
    from permits import workflow as wf

    if permit.case.status != wf.CANCELLED:
        return ""
    event = (
        CaseEvent.objects.filter(case_id=permit.case_id, to_status=wf.CANCELLED)
        .order_by("-pk")
        .first()
    )
    return event.body if event is not None else ""
