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
        stamp=HELD_LICENSES_STAMP,     # optional, see below
    ))

`read` is a selector: it returns what the section's template shows of `user`'s own rows
(exposed to it as `section`), or None when the section has nothing to show (its template then
renders nothing, so a resident who uses no permits never sees an empty "Permits" heading).
It reads in a number of queries that does not depend on how many rows the person has (a
LIMIT, never a loop over rows), so the page costs the same for one case or a thousand
(tests/portal/test_dashboard.py).

A section may also give a `stamp`: a scalar SQL subquery (on `%(user)s`) whose text changes
whenever anything the section shows of the person changes (typically the ids and changing
columns of the rows it lists, read from the same index with the same LIMIT). The page reads
every section's stamp in one query and its template caches what it renders under the stamp
(`{% cache ... stamp %}`, in the "fragments" cache), so a visit with nothing new renders from
that copy and `section` is never read. No write has to tell the dashboard anything: the stamp
is read from the database on every visit, whatever changed the rows (a service, a set-based
job, the admin, a person at a SQL prompt). A section without a stamp is read on every visit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.functional import SimpleLazyObject


@dataclass(frozen=True)
class Section:
    key: str  # unique, "<app>.<what>"
    template: str  # rendered with `section` (what `read` returned) and the page's context
    read: Callable[..., Any]  # (*, user, limit) -> what the template shows, or None
    limit: int = 5  # at most this many rows listed; the template links to the full list
    # Lower comes first; the account settings always come after every section.
    order: int = 100
    # A scalar SQL subquery on %(user)s that changes whenever what the section shows does;
    # empty: the section has none and is read on every visit.
    stamp: str = ""


@dataclass(frozen=True)
class Shown:
    """A section as one visit shows it."""

    key: str
    template: str
    section: Any  # what `read` returns (None: nothing to show), read only when first used
    stamp: str | None  # the section's stamp for this person, None if it has none


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
    """The sections of `user`'s dashboard, in order, with their stamps (one query for all of
    them). Each section's rows are read only when its template uses `section`: on a visit
    whose stamp has a cached copy, never."""
    ordered = sections()
    stamps = _stamps(ordered, user=user)
    return [
        Shown(
            key=section.key,
            template=section.template,
            section=SimpleLazyObject(
                lambda section=section: section.read(user=user, limit=section.limit)
            ),
            stamp=stamps.get(section.key),
        )
        for section in ordered
    ]


def _stamps(ordered: list[Section], *, user) -> dict[str, str]:
    stamped = [section for section in ordered if section.stamp]
    if not stamped:
        return {}
    select = ", ".join(f"({section.stamp})" for section in stamped)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}", {"user": user.pk})
        row = cursor.fetchone()
    # A stamp of NULL (no rows) is a stamp too: the empty section.
    return {section.key: value or "" for section, value in zip(stamped, row, strict=True)}
