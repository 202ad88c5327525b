"""The permits part of the staff workbench's case page: the permit's type, property, work,
valuation, contractor and answers, each department's plan review and each inspection
(`cases.workbench.panels`)."""

from __future__ import annotations

from dataclasses import dataclass

from cases import permissions
from cases.questions.selectors import questions_of
from cases.questions.summary import answer_rows
from cases.workbench.panels import Panel, register
from permits.models import Inspection, Permit, PlanReview
from portal.localized import localized


@dataclass(frozen=True)
class PermitPanel:
    permit: Permit
    permit_type: str
    answers: list[tuple[str, str]]
    reviews: list[PlanReview]
    inspections: list[Inspection]
    inspector_id: int  # the reader: their own inspections link to the result page


def permit_panel(*, case, user) -> PermitPanel | None:
    """What `user` sees of the permit behind `case`: None when they may not see the case, or
    it is no permit. Five queries, whatever the answers, reviews and inspections."""
    if not permissions.can(user, permissions.VIEW, case):
        return None
    permit = (
        Permit.objects.select_related("permit_type", "contractor_license").filter(case=case).first()
    )
    if permit is None:
        return None
    reviews = list(
        PlanReview.objects.filter(permit=permit)
        .select_related("work_item", "work_item__department", "decided_by")
        .order_by("work_item__round", "work_item__department__name", "pk")
    )
    inspections = list(
        Inspection.objects.filter(permit=permit)
        .select_related("step", "inspector")
        .order_by("day", "period", "route_order", "pk")
    )
    return PermitPanel(
        permit=permit,
        permit_type=localized(permit.permit_type, "name"),
        answers=answer_rows(questions_of(owner=permit.permit_type), permit.answers or {}),
        reviews=reviews,
        inspections=inspections,
        inspector_id=user.pk,
    )


def register_panels() -> None:
    from permits.workflow import PERMIT

    register(
        Panel(
            key="permits.permit",
            template="permits/staff/_case_panel.html",
            read=permit_panel,
            kinds=(PERMIT.kind,),
            order=10,
        )
    )
