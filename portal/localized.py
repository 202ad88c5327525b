"""Texts an administrator enters in English and Spanish, shown in the reader's language.

A translatable column `name` has a twin `name_es`; `localized(obj, "name")` gives the Spanish
when the active language is Spanish and the Spanish is filled in, and the English otherwise,
so a text not yet translated still reads (in English) rather than disappearing.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

# The languages with their own columns, by suffix. English is the column without a suffix.
TRANSLATED_LANGUAGES = ("es",)


def reader_language() -> str:
    """The active language's base code ("es" for "es-mx"), English when none is active."""
    return (translation.get_language() or "en").split("-")[0].lower()


def language_asked(query: dict) -> str:
    """The language a page's query asks for (`?lang=es`, as an administrator's preview of a
    resident's page does), if the portal speaks it; English otherwise."""
    wanted = query.get("lang", "")
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGES[0][0]


def preview_language(request: HttpRequest) -> str:
    """The language an administrator's preview of a resident's page is asked in (`?lang=es`),
    if the portal speaks it; the portal's first language (English) otherwise."""
    return language_asked(request.GET)


def preview_language_links(page_url: str) -> list[tuple[str, str, str]]:
    """The preview at `page_url` in each language the portal speaks, for its language
    switch: (code, name, url) in the order of settings.LANGUAGES."""
    return [(code, name, f"{page_url}?lang={code}") for code, name in settings.LANGUAGES]


def localized(obj, field: str, *, language: str | None = None) -> str:
    """`obj.<field>` in `language` (default: the active one), falling back to English."""
    language = language or reader_language()
    if language in TRANSLATED_LANGUAGES:
        translated = getattr(obj, f"{field}_{language}", "")
        if translated and str(translated).strip():
            return translated
    return getattr(obj, field)


def is_translated(obj, field: str, *, language: str | None = None) -> bool:
    """Whether `localized` would give the `language` column rather than the English."""
    language = language or reader_language()
    if language not in TRANSLATED_LANGUAGES:
        return False
    return bool(str(getattr(obj, f"{field}_{language}", "") or "").strip())


def localized_entry(values: dict, key: str, *, language: str | None = None) -> str:
    """`values[key]` in `language` (from `values[key + "_es"]`...), falling back to English:
    for texts kept in a stored payload, worded when read."""
    language = language or reader_language()
    if language in TRANSLATED_LANGUAGES:
        translated = values.get(f"{key}_{language}")
        if translated and str(translated).strip():
            return str(translated)
    return str(values.get(key, "") or "")


def translated_fields(model) -> list[str]:
    """The columns of `model` with a twin per translated language (`name` with `name_es`)."""
    names = {field.name for field in model._meta.concrete_fields}
    return [
        name
        for name in sorted(names, key=[f.name for f in model._meta.concrete_fields].index)
        if all(f"{name}_{language}" in names for language in TRANSLATED_LANGUAGES)
    ]


def missing_translations(obj, *, language: str = TRANSLATED_LANGUAGES[0]) -> list[str]:
    """The names (as the admin labels them) of `obj`'s texts written in English and not yet in
    `language`: what a reader of that language would see in English."""
    missing = []
    for name in translated_fields(type(obj)):
        english = str(getattr(obj, name, "") or "").strip()
        if english and not is_translated(obj, name, language=language):
            missing.append(str(type(obj)._meta.get_field(f"{name}_{language}").verbose_name))
    return missing
