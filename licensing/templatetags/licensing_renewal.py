"""Template pieces of renewal reminders: the renewal link, and dates kept as ISO strings."""

import datetime

from django import template

from licensing.services.renewal_links import renewal_link_url

register = template.Library()


@register.simple_tag
def renewal_link(license_id: int, expires_on: str) -> str:
    """The signed link that renews a license without an account, signed now (at sending)."""
    return renewal_link_url(license_id=license_id, expires_on=expires_on)


@register.filter
def iso_date(value: str) -> datetime.date | str:
    """An ISO date string from a notification's context as a date, for the `date` filter."""
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
