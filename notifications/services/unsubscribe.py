"""Opting out of e-mail, from an account or from a one-click unsubscribe link."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower

from notifications.models import EmailOptOut, Notification, NotificationChannel
from notifications.tokens import read_unsubscribe_token

logger = logging.getLogger(__name__)


def unsubscribe(*, user) -> None:
    """Stop e-mail to `user` (they can turn it back on in their settings) and record it.

    Unsubscribing someone already unsubscribed changes and records nothing.
    """
    with transaction.atomic():
        changed = (
            type(user)
            .objects.filter(pk=user.pk, notify_by_email=True)
            .update(notify_by_email=False)
        )
        user.notify_by_email = False
        if changed:
            EmailOptOut.objects.create(email=user.email.lower(), user=user)
    if changed:
        logger.info("User %s unsubscribed from e-mail", user.pk)


def guest_opted_out(email: str) -> bool:
    return (
        EmailOptOut.objects.alias(email_ci=Lower("email"))
        .filter(email_ci=email.strip().lower(), user__isnull=True)
        .exists()
    )


def email_opt_out(*, email: str) -> None:
    """Stop e-mail to a guest's address; later messages to it are skipped."""
    with transaction.atomic():
        if not guest_opted_out(email):
            EmailOptOut.objects.create(email=email.strip().lower())
    logger.info("A guest address unsubscribed from e-mail")


def unsubscribe_by_token(*, token: str) -> bool:
    """Unsubscribe whoever the signed `token` names from e-mail; False if it names no one.

    An account holder's e-mail switch is turned off (`unsubscribe`); a guest's address is put
    on the opt-out list (`email_opt_out`). Idempotent, so a mail client may POST twice.
    """
    target = read_unsubscribe_token(token)
    if target is None:
        return False
    if target.user_id is not None:
        user = get_user_model().objects.filter(pk=target.user_id).first()
        if user is None:
            return False
        unsubscribe(user=user)
        return True
    notification = Notification.objects.filter(
        pk=target.notification_id, recipient__isnull=True, channel=NotificationChannel.EMAIL
    ).first()
    if notification is None:
        return False
    email_opt_out(email=notification.to_address)
    return True
