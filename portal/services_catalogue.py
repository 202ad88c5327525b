"""The service catalogue on the home page.

Each installed service app registers its entries here from its AppConfig.ready(); the site
shell never imports a domain app.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class CatalogueEntry:
    key: str
    title: str | Promise
    description: str | Promise
    url_name: str
    keywords: tuple[str | Promise, ...] = field(default_factory=tuple)


_entries: dict[str, CatalogueEntry] = {}


def register(entry: CatalogueEntry) -> None:
    _entries[entry.key] = entry


def entries() -> list[CatalogueEntry]:
    return list(_entries.values())


def search(query: str) -> list[CatalogueEntry]:
    """Return the entries whose title, description or keywords contain every word of `query`."""
    words = [w.lower() for w in query.split() if w]
    results = []
    for entry in _entries.values():
        text = " ".join(
            str(part) for part in (entry.title, entry.description, *entry.keywords)
        ).lower()
        if all(word in text for word in words):
            results.append(entry)
    return results
