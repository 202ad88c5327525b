"""The workbench's navigation: each service registers the pages it adds to the back office.

Registered from an AppConfig.ready(), so the workbench never imports a domain app::

    from cases.workbench.nav import NavItem, register

    register(NavItem(
        key="bookings.approvals",
        label=_("Bookings waiting for approval"),
        url_name="admin:bookings_booking_approvals",
        order=40,
        shown_to=lambda user: permissions.can(user, permissions.VIEW, "PARKS"),
    ))

`shown_to` only decides whether the link is listed; the page itself checks access again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from cases import permissions


def _any_staff(user) -> bool:
    return permissions.is_active_staff(user)


@dataclass(frozen=True)
class NavItem:
    key: str  # unique, "<app>.<page>"
    label: str  # lazily translated
    url_name: str
    order: int = 100  # lower comes first
    shown_to: Callable[..., bool] = _any_staff


@dataclass(frozen=True)
class Shown:
    label: str
    url: str
    current: bool


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    """Add `item` to the navigation (registering one key twice keeps the later one)."""
    _ITEMS[item.key] = item


def items_for(user, *, current_path: str = "") -> list[Shown]:
    """The navigation `user` sees, in order, the page at `current_path` marked current."""
    shown = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, i.key)):
        if not item.shown_to(user):
            continue
        url = reverse(item.url_name)
        shown.append(Shown(label=str(item.label), url=url, current=current_path == url))
    return shown
