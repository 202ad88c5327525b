"""System checks of the payments configuration."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def local_gateway_in_production(app_configs, **kwargs):
    """The local test gateway accepts payments without money moving: never in production."""
    if settings.PAYMENTS_GATEWAY == "local" and not settings.DEBUG:
        return [
            Warning(
                "PAYMENTS_GATEWAY is 'local': anyone can mark invoices paid without paying.",
                hint="Set PAYMENTS_GATEWAY=stripe with Stripe keys, or none for counter only.",
                id="payments.W001",
            )
        ]
    return []
