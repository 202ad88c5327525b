"""Template filters for bookings' messages: times kept as ISO strings in a message's JSON
context, shown in the agency's time zone."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings
from django.template.defaultfilters import date as date_format_filter
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def agency_time(value):
    """An ISO datetime string (or an aware datetime) as an aware datetime in the agency's
    time zone, for the `date` filter; what it cannot read is returned unchanged."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(ZoneInfo(settings.TIME_ZONE))
    return value


@register.filter
def long_day(value):
    """A date or datetime as its weekday and the locale's date ("Saturday, Dec. 26, 2026"),
    in the current time zone for a datetime. (`date:"l, DATE_FORMAT"` would read
    DATE_FORMAT's letters as format characters.)"""
    if not value:
        return ""
    return f"{date_format_filter(value, 'l')}, {date_format_filter(value, 'DATE_FORMAT')}"


@register.filter
def duration(minutes):
    """Minutes in words: "4 hours", "1 hour 30 minutes", "45 minutes"."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return minutes
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(hours)d hour", "%(hours)d hours", hours) % {"hours": hours})
    if rest or not hours:
        parts.append(
            ngettext("%(minutes)d minute", "%(minutes)d minutes", rest) % {"minutes": rest}
        )
    return " ".join(parts)
