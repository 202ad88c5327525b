"""What a service adds to the workbench's case page: its own part of a case (the answers of
an application, a permit's reviews and inspections, a booking's times, the invoices).

Registered from an AppConfig.ready(), so the workbench never imports a domain app::

    from cases.workbench.panels import Panel, register

    register(Panel(
        key="permits.reviews",
        kinds=("permit_application",),   # empty: every case
        template="permits/staff/_case_panel.html",
        read=permit_panel,               # (*, case, user) -> object or None
        order=20,
    ))

`read` is a selector: it returns what the template shows of `case` for `user` (exposed to
it as `panel`), or None when it has nothing to show; it checks what `user` may see, and
reads in a number of queries that does not depend on the case's size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    key: str  # unique, "<app>.<what>"
    template: str
    read: Callable[..., Any]  # (*, case, user) -> what the template shows, or None
    kinds: tuple[str, ...] = ()  # the case kinds it is for; empty: every case
    order: int = 100


@dataclass(frozen=True)
class Shown:
    template: str
    panel: Any


_PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    _PANELS[panel.key] = panel


def panels_for(*, case, user) -> list[Shown]:
    """The panels that have something to show of `case` to `user`, in order."""
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if panel.kinds and case.kind not in panel.kinds:
            continue
        value = panel.read(case=case, user=user)
        if value is not None:
            shown.append(Shown(template=panel.template, panel=value))
    return shown
