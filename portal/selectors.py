"""Reads of the site shell, each with its rule."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal import services_catalogue
from portal.search_terms import query_stems, stems_match, text_stems
from portal.services_catalogue import CatalogueEntry, Searchable


@dataclass
class ServiceGroup:
    """The results of one service (licenses, reports...), under its heading."""

    service: str | Promise
    results: list[Searchable] = field(default_factory=list)


def services_matching(*, query: str) -> list[ServiceGroup]:
    """What the portal offers for `query`, grouped by service: the catalogue's entries and
    every service configured as data that is open to the public (each app's search source:
    license types open for applications, active concern categories...).

    Found by title, description and keywords in every language of the portal, whatever the
    visitor's, ignoring case and accents, with light stems ("renew" finds a renewal, "pet"
    finds pets): see portal.search_terms. Services come in the order of their first entry
    in the catalogue (as on the home page); within one, its catalogue entries come first.
    Each source runs a fixed number of queries, so the search costs the same however many
    types and categories there are.
    """
    wanted = query_stems(query)
    if not wanted:
        return []
    entries = services_catalogue.entries()
    found = [
        _searchable(entry)
        for entry in entries
        if stems_match(wanted, text_stems(_texts_in_every_language(entry)))
    ]
    for source in services_catalogue.search_sources():
        found += [item for item in source() if stems_match(wanted, text_stems(item.texts))]
    groups: dict[str, ServiceGroup] = {}
    for item in found:
        service = item.service or _("Other services")
        groups.setdefault(str(service), ServiceGroup(service=service)).results.append(item)
    # Services in the order of their first entry in the catalogue, as on the home page.
    position = {}
    for index, entry in enumerate(entries):
        position.setdefault(str(entry.service or _("Other services")), index)
    return sorted(groups.values(), key=lambda group: position.get(str(group.service), len(entries)))


def _texts_in_every_language(entry: CatalogueEntry) -> list[str]:
    parts = (entry.title, entry.description, *entry.keywords)
    texts = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts += [str(part) for part in parts]
    return texts


def _searchable(entry: CatalogueEntry) -> Searchable:
    return Searchable(
        key=entry.key,
        title=entry.title,
        description=entry.description,
        url=entry.url,
        service=entry.service,
    )
