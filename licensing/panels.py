"""The licensing part of the staff workbench's case page: an application's or renewal's
answers, its license type and the license once issued (`cases.workbench.panels`)."""

from __future__ import annotations

from dataclasses import dataclass

from cases import permissions
from cases.questions.summary import answer_rows
from cases.workbench.panels import Panel, register
from licensing.models import Application, License
from licensing.selectors import questions_for


@dataclass(frozen=True)
class ApplicationPanel:
    application: Application
    answers: list[tuple[str, str]]
    license: License | None


def application_panel(*, case, user) -> ApplicationPanel | None:
    """What `user` sees of the application behind `case`: None when they may not see the
    case, or it is no license application. Three queries, whatever the answers."""
    if not permissions.can(user, permissions.VIEW, case):
        return None
    application = (
        Application.objects.select_related("license_type", "renews", "issued_license")
        .filter(case=case)
        .first()
    )
    if application is None:
        return None
    rows = answer_rows(questions_for(application=application), application.answers or {})
    license = getattr(application, "issued_license", None)
    return ApplicationPanel(application=application, answers=rows, license=license)


def register_panels() -> None:
    from licensing.workflow import LICENSE_APPLICATION, LICENSE_RENEWAL

    register(
        Panel(
            key="licensing.application",
            template="licensing/staff/_case_panel.html",
            read=application_panel,
            kinds=(LICENSE_APPLICATION.kind, LICENSE_RENEWAL.kind),
            order=10,
        )
    )
