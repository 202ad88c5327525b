"""Permit types as the portal's service search finds them (portal.services_catalogue)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from permits.models import PermitType
from permits.selectors_apply import permit_types_open
from portal.localized import localized
from portal.services_catalogue import Searchable

# The heading of permits' results in the service search (the catalogue entry's service).
SERVICE_NAME = _("Permits")


def permit_type_search_texts(permit_type: PermitType) -> tuple[str, ...]:
    """What a permit type is found by: its name, category, description and keywords, in
    English and Spanish (the category as residents read it in either language)."""
    return (
        permit_type.name,
        permit_type.name_es,
        *_every_language(permit_type.get_category_display),
        permit_type.description,
        permit_type.description_es,
        permit_type.keywords,
        permit_type.keywords_es,
    )


def _every_language(label) -> list[str]:
    texts = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts.append(str(label()))
    return texts


def permit_types_searchable() -> list[Searchable]:
    """The published types open for applications, each linking to its page, in one query
    however many there are: a type is found as soon as it is published, without a deploy."""
    types = permit_types_open().only(
        "code",
        "name",
        "name_es",
        "category",
        "description",
        "description_es",
        "keywords",
        "keywords_es",
    )
    return [
        Searchable(
            key=f"permits.type.{permit_type.code}",
            title=localized(permit_type, "name"),
            description=localized(permit_type, "description"),
            url=permit_type.get_absolute_url(),
            service=SERVICE_NAME,
            texts=permit_type_search_texts(permit_type),
        )
        for permit_type in types
    ]
