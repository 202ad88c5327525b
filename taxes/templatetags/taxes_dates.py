"""Dates kept as ISO strings (message contexts, timeline details), read back for `|date`."""

import datetime

from django import template

register = template.Library()


@register.filter
def iso_date(value):
    """`"2027-03-31"` as a date (anything else unchanged)."""
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value
