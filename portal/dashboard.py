"""The sections of the resident's dashboard ("My account"): each service adds its own.

Each app registers its section from its AppConfig.ready(), so the site shell never imports a
domain app and a new service needs no change here, no trigger and no migration::

    from portal.dashboard import Section, register

    register(Section(
        key="licensing.licenses",
        template="licensing/_dashboard_licenses.html",
        read=licenses_for_dashboard,   # (*, user, limit) -> object or None
        limit=5,
        order=20,
    ))

`read` is a selector: it returns what the section's template shows of `user`'s own rows
(exposed to it as `section`), or None when the section has nothing to show (it is then left
out, so a resident who uses no permits never sees an empty "Permits" heading). It reads in a
number of queries that does not depend on how many rows the person has (a LIMIT, never a
loop over rows), so the page costs the same for one case or a thousand
(tests/portal/test_dashboard.py).

The page keeps no copy of any section: each visit reads what is in the database, so nothing
has to be told when a row changes, whatever writes it (a service, a set-based job, the admin,
a person at a SQL prompt).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Section:
    key: str  # unique, "<app>.<what>"
    template: str  # rendered with `section` (what `read` returned) and the page's context
    read: Callable[..., Any]  # (*, user, limit) -> what the template shows, or None
    limit: int = 5  # at most this many rows listed; the template links to the full list
    # Lower comes first; the account settings always come after every section.
    order: int = 100


@dataclass(frozen=True)
class Shown:
    """A section as one visit shows it."""

    key: str
    template: str
    section: Any


_sections: dict[str, Section] = {}


def register(section: Section) -> None:
    """Add `section`, or replace the section with the same key (registering twice is harmless)."""
    _sections[section.key] = section


def unregister(key: str) -> None:
    _sections.pop(key, None)


def sections() -> list[Section]:
    """Every registered section, in display order."""
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))


def sections_for(*, user) -> list[Shown]:
    """The sections `user`'s dashboard shows, in order, each read once."""
    shown = []
    for section in sections():
        found = section.read(user=user, limit=section.limit)
        if found is not None:
            shown.append(Shown(key=section.key, template=section.template, section=found))
    return shown
