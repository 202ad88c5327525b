"""Filters for inspection pages and messages: ISO dates from payloads, half-day names,
inspection names in the reader's language."""

from __future__ import annotations

import datetime

from django import template
from django.utils import translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext

from cases import map_links

register = template.Library()


@register.filter
def iso_day(value) -> datetime.date | str:
    """An ISO date string (as reminders carry it) as a date, for the `date` filter."""
    if isinstance(value, datetime.date):
        return value
    return parse_date(str(value or "")) or ""


@register.filter
def half_day(code: str) -> str:
    """ "am" or "pm" as the reader says it."""
    return gettext("morning") if code == "am" else gettext("afternoon")


@register.simple_tag
def in_language(english: str, spanish: str) -> str:
    """The Spanish text when the reader reads Spanish and there is one, else the English."""
    return spanish if translation.get_language() == "es" and spanish else english


@register.filter
def map_link(address: str) -> str:
    """A geo: link that opens the phone's map app at `address` (`cases.map_links`)."""
    return map_links.map_link(address=address)
