"""Signed unsubscribe tokens, the only credential the unsubscribe link carries.

The token is signed with SECRET_KEY (django.core.signing), so it cannot be forged or altered,
and it names an account by id, or, for a guest, the notification whose address should get no
more e-mail, never the address itself: links end up in web-server logs. It does not expire,
because a link in an old e-mail must keep working; the worst a leaked token can do is stop
e-mail its owner can turn back on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from notifications.models import Notification

_SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeTarget:
    user_id: int | None = None
    notification_id: int | None = None


def unsubscribe_token(notification: Notification) -> str:
    """Return the unsubscribe token for the person `notification` is addressed to."""
    if notification.recipient_id is not None:
        payload = {"u": notification.recipient_id}
    else:
        payload = {"n": notification.pk}
    return signing.dumps(payload, salt=_SALT, compress=True)


def unsubscribe_url(notification: Notification) -> str:
    """Return the absolute one-click unsubscribe URL for `notification`'s recipient."""
    path = reverse("notifications:unsubscribe", args=[unsubscribe_token(notification)])
    return f"{settings.SITE_URL}{path}"


def read_unsubscribe_token(token: str) -> UnsubscribeTarget | None:
    """Return who `token` unsubscribes, or None if it is not a token we signed."""
    try:
        payload = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    user_id, notification_id = payload.get("u"), payload.get("n")
    if isinstance(user_id, int):
        return UnsubscribeTarget(user_id=user_id)
    if isinstance(notification_id, int):
        return UnsubscribeTarget(notification_id=notification_id)
    return None
