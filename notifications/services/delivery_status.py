"""What providers report after accepting a message: delivered, or bounced.

A bounce is never dropped: it is recorded on the message and announced through
`notifications.signals.notification_undelivered`, in the same transaction, so the service
that sent the message can act on it (e.g. mail a paper notice).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from notifications.models import DeliveryStatus, Notification, NotificationStatus
from notifications.signals import notification_undelivered

logger = logging.getLogger(__name__)


def _announce(notification: Notification, *, reason: str) -> None:
    notification_undelivered.send(
        sender=Notification,
        notification_id=notification.pk,
        template_key=notification.template_key,
        channel=notification.channel,
        to_address=notification.to_address,
        context=notification.context,
        reason=reason,
    )


def notification_delivery_record(
    *, provider_message_id: str, delivered: bool, detail: str = ""
) -> Notification | None:
    """Record the provider's report on the message it knows as `provider_message_id`.

    A bounce wins over an earlier "delivered" (a late hard bounce) and is announced once;
    a "delivered" after a bounce changes nothing. Returns the message, or None when no
    message carries that id (a report about mail the portal did not send): nothing changes.
    """
    if not provider_message_id:
        return None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(provider_message_id=provider_message_id[:255])
            .order_by("pk")
            .first()
        )
        if notification is None:
            logger.info("Delivery report for a message the portal does not know")
            return None
        if notification.delivery == DeliveryStatus.BOUNCED:
            return notification
        if delivered and notification.delivery == DeliveryStatus.DELIVERED:
            return notification
        notification.delivery = DeliveryStatus.DELIVERED if delivered else DeliveryStatus.BOUNCED
        notification.delivery_at = timezone.now()
        notification.delivery_detail = detail[:255]
        notification.save(
            update_fields=["delivery", "delivery_at", "delivery_detail", "updated_at"]
        )
        if not delivered:
            _announce(notification, reason=notification.delivery_detail)
    return notification


def notification_gave_up(*, notification_id: int) -> None:
    """Announce that the dispatcher gave up on a message (called in the transaction that
    marked it failed)."""
    notification = Notification.objects.filter(
        pk=notification_id, status=NotificationStatus.FAILED
    ).first()
    if notification is not None:
        _announce(notification, reason=notification.last_error)
