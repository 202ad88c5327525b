"""Writes on the in-app inbox."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification


def notification_mark_read(*, notification: Notification, user) -> Notification:
    """Mark an in-app message read by its recipient; reading it again changes nothing.

    Raises PermissionDenied if `user` is not the recipient.
    """
    if notification.recipient_id is None or notification.recipient_id != user.pk:
        raise PermissionDenied
    with transaction.atomic():
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now, updated_at=now
        )
        notification.refresh_from_db(fields=["read_at", "updated_at"])
    return notification
