"""E-mail providers' delivery reports, as django-anymail's tracking signal hands them over.

anymail's webhook views check the provider's request (basic auth with ANYMAIL_WEBHOOK_SECRET,
and the provider's own signature where it has one) and normalise the event; a bounce, a
rejection or a failure is recorded as bounced, a delivery as delivered.
"""

import logging

from anymail.signals import EventType, tracking
from django.conf import settings
from django.dispatch import receiver

from notifications.services.delivery_status import notification_delivery_record

logger = logging.getLogger(__name__)

_BOUNCED = {EventType.BOUNCED, EventType.REJECTED, EventType.FAILED}


@receiver(tracking, dispatch_uid="notifications.anymail_tracking")
def delivery_reported(sender, event, esp_name, **kwargs):
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        # Without the secret anymail accepts any request: anyone could mark mail bounced.
        logger.warning(
            "Delivery report from %s ignored: ANYMAIL_WEBHOOK_SECRET is not set", esp_name
        )
        return
    if event.event_type == EventType.DELIVERED:
        delivered = True
    elif event.event_type in _BOUNCED:
        delivered = False
    else:
        return
    detail = event.description or event.mta_response or event.reject_reason or ""
    notification_delivery_record(
        provider_message_id=event.message_id or "", delivered=delivered, detail=str(detail)
    )
