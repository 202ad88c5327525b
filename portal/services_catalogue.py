"""The service catalogue on the home page ("What do you need to do?").

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
        order=10,
    ))

Titles, descriptions and keywords are lazy translations: the page and the search use the
visitor's language.
"""

from __future__ import annotations

import unicodedata
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


def _folded(text: str) -> str:
    """Lower-case `text` without accents, so "licencia" finds "Licéncia" and "tramite" finds
    "trámite"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search(query: str) -> list[CatalogueEntry]:
    """Return the entries whose title, description or keywords contain every word of `query`.

    Matching ignores case and accents, in the active language.
    """
    words = [_folded(word) for word in query.split()]
    results = []
    for entry in entries():
        text = _folded(
            " ".join(str(part) for part in (entry.title, entry.description, *entry.keywords))
        )
        if all(word in text for word in words):
            results.append(entry)
    return results


def register_portal_entries() -> None:
    """Register the entries the portal itself provides, whatever services are installed."""
    register(
        CatalogueEntry(
            key="portal.status",
            title=_("Check the status of a request"),
            description=_("See where your applications and reports are, and what happens next."),
            url_name="portal:dashboard",
            keywords=(_("track"), _("progress"), _("reference"), _("application")),
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
            order=910,
        )
    )
