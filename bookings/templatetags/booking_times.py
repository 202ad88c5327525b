"""Template filters for bookings' messages: times kept as ISO strings in a message's JSON
context, shown in the agency's time zone."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings

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
