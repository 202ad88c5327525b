"""The service catalogue on the home page ("What do you need to do?"), and what else the
service search finds.

Each service app registers its entries from its AppConfig.ready(), so the site shell never
imports a domain app::

    from django.utils.translation import gettext_lazy as _
    from portal.services_catalogue import CatalogueEntry, register

    register(CatalogueEntry(
        key="licensing.apply",
        title=_("Apply for a business license"),
        description=_("Start, pay for and follow a new license application."),
        url_name="licensing:start",
        keywords=(_("business"), _("permit to trade")),
        service=_("Licenses"),
        order=10,
    ))

Titles, descriptions and keywords are lazy translations: the page shows the visitor's
language, and the search (portal.selectors.services_matching) matches every language.

An app whose services are configured as data (license types, concern categories...) also
registers a search source: a function returning a `Searchable` for each one open to the
public, in one query whatever their number::

    register_search_source("licensing.types", license_types_searchable)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CatalogueEntry:
    key: str
    title: str | Promise
    description: str | Promise
    url_name: str
    keywords: tuple[str | Promise, ...] = field(default_factory=tuple)
    # The heading the search lists it under, with what else that service offers.
    service: str | Promise = ""
    # Lower comes first on the home page; the portal's own account entries come last.
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_entries: dict[str, CatalogueEntry] = {}
# Bumped on every change, so the home page's cached service cards are looked up under a new
# key once the catalogue changes.
_changes = [0]


def register(entry: CatalogueEntry) -> None:
    """Add `entry`, or replace the entry with the same key (registering twice is harmless)."""
    _entries[entry.key] = entry
    _changes[0] += 1


def unregister(key: str) -> None:
    _entries.pop(key, None)
    _changes[0] += 1


def version() -> int:
    """A number that changes whenever an entry is registered or removed."""
    return _changes[0]


def entries() -> list[CatalogueEntry]:
    """Return every entry, in display order."""
    return sorted(_entries.values(), key=lambda entry: (entry.order, str(entry.title)))


@dataclass(frozen=True)
class Searchable:
    """One thing the service search can find and link to: a catalogue entry, a license type,
    a concern category..."""

    key: str
    title: str | Promise
    description: str | Promise
    url: str
    service: str | Promise
    # What it is found by, in every language it is known in (its title and description too).
    texts: tuple[str | Promise, ...] = ()


SearchSource = Callable[[], Iterable[Searchable]]
_sources: dict[str, SearchSource] = {}


def register_search_source(key: str, source: SearchSource) -> None:
    """Add `source`, a function returning the Searchables of one app's configured services
    (replacing the source with the same key). It must run a fixed number of queries, however
    many services there are."""
    _sources[key] = source


def unregister_search_source(key: str) -> None:
    _sources.pop(key, None)


def search_sources() -> list[SearchSource]:
    return list(_sources.values())


def register_portal_entries() -> None:
    """Register the entries the portal itself provides, whatever services are installed."""
    register(
        CatalogueEntry(
            key="portal.status",
            title=_("Check the status of a request"),
            description=_("See where your applications and reports are, and what happens next."),
            url_name="portal:dashboard",
            keywords=(_("track"), _("progress"), _("reference"), _("application")),
            service=_("Your account"),
            order=900,
        )
    )
    register(
        CatalogueEntry(
            key="portal.account",
            title=_("Manage your account"),
            description=_("Change your name, phone number, language and how we contact you."),
            url_name="accounts:profile",
            keywords=(_("profile"), _("password"), _("e-mail"), _("notifications")),
            service=_("Your account"),
            order=910,
        )
    )
