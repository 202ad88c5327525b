"""The concerns part of the staff workbench's case page: a report's category, location,
description and answers (`cases.workbench.panels`)."""

from __future__ import annotations

from dataclasses import dataclass

from cases import permissions
from cases.workbench.panels import Panel, register
from concerns.models import ConcernReport
from concerns.selectors import report_answers
from portal.localized import localized


@dataclass(frozen=True)
class ReportPanel:
    report: ConcernReport
    category: str
    answers: list[tuple[str, str]]


def report_panel(*, case, user) -> ReportPanel | None:
    """What `user` sees of the concern report behind `case`: None when they may not see the
    case, or it is no report. Two queries, whatever the answers."""
    if not permissions.can(user, permissions.VIEW, case):
        return None
    report = ConcernReport.objects.select_related("category").filter(case=case).first()
    if report is None:
        return None
    return ReportPanel(
        report=report,
        category=localized(report.category, "name"),
        answers=report_answers(report=report),
    )


def register_panels() -> None:
    from concerns.workflow import CONCERN_REPORT

    register(
        Panel(
            key="concerns.report",
            template="concerns/staff/_case_panel.html",
            read=report_panel,
            kinds=(CONCERN_REPORT.kind,),
            order=10,
        )
    )
