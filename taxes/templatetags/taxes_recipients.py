"""The link that removes another recipient of a linked parcel's bills, in their messages."""

from django import template

register = template.Library()


@register.simple_tag
def recipient_stop_url(recipient_id) -> str:
    """The absolute stop link for the recipient `recipient_id` (empty for anyone else)."""
    from taxes.services.ebills import recipient_stop_url as stop_url

    if not isinstance(recipient_id, int) or isinstance(recipient_id, bool):
        return ""
    return stop_url(recipient_id)
