"""Texts an administrator enters in English and Spanish, shown in the reader's language.

A translatable column `name` has a twin `name_es`; `localized(obj, "name")` gives the Spanish
when the active language is Spanish and the Spanish is filled in, and the English otherwise,
so a text not yet translated still reads (in English) rather than disappearing.
"""

from __future__ import annotations

from django.utils import translation

# The languages with their own columns, by suffix. English is the column without a suffix.
TRANSLATED_LANGUAGES = ("es",)


def reader_language() -> str:
    """The active language's base code ("es" for "es-mx"), English when none is active."""
    return (translation.get_language() or "en").split("-")[0].lower()


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
