"""Links in messages about linked parcels' bills: the one that removes another recipient, and
the page where a holder manages paperless bills and recipients."""

from django import template

register = template.Library()


@register.simple_tag
def recipient_stop_url(recipient_id) -> str:
    """The absolute stop link for the recipient `recipient_id` (empty for anyone else)."""
    from taxes.services.ebills import recipient_stop_url as stop_url

    if not isinstance(recipient_id, int) or isinstance(recipient_id, bool):
        return ""
    return stop_url(recipient_id)


@register.simple_tag
def ebills_manage_url() -> str:
    """The absolute address of the holder's linked parcels (paperless bills, recipients)."""
    from django.conf import settings
    from django.urls import reverse

    return settings.SITE_URL + reverse("taxes:my_parcels")
