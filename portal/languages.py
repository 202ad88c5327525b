"""The languages a person, a case or a payment can be in.

The list is the agency's setting (LANGUAGES), so nothing built from it may end up in a
migration: the field's choices and default are callables that read the setting, and the
database only checks that a value looks like a language tag. Which tags are offered is
checked in code (forms and services), so an agency that adds a language needs no migration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

# "en", "es", "zh-hant", "es-419": a primary subtag and optional subtags, lower case.
LANGUAGE_TAG = r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$"


def language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


def default_language() -> str:
    return settings.LANGUAGE_CODE


def is_offered(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


class LanguageField(models.CharField):
    """A language code from settings.LANGUAGES; defaults to settings.LANGUAGE_CODE."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 8)
        kwargs.setdefault("choices", language_choices)
        kwargs.setdefault("default", default_language)
        super().__init__(*args, **kwargs)


def language_tag_constraint(field: str, *, name: str) -> models.CheckConstraint:
    """A database check on `field` that holds whatever the agency's LANGUAGES are."""
    return models.CheckConstraint(condition=Q(**{f"{field}__regex": LANGUAGE_TAG}), name=name)
