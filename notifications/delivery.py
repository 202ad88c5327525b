"""Hand one rendered notification to its provider: e-mail through Django's mail API, SMS
through the configured SMS backend. Nothing here touches the database."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from notifications.attachments import mime_part
from notifications.models import Notification
from notifications.rendering import RenderedMessage
from notifications.sms import get_sms_backend


def message_id_for(notification: Notification) -> str:
    """Return the stable RFC 5322 Message-ID of `notification`'s e-mail.

    Derived from the row (id and creation time, so ids reused by a rebuilt database do not
    collide), never random: if the same notification is ever handed to the provider twice,
    both copies carry the same Message-ID, and mail clients and many providers show or keep
    only one.
    """
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">").strip() or (
        urlsplit(settings.SITE_URL).hostname or "localhost"
    )
    stamp = int(notification.created_at.timestamp())
    return f"<notification.{notification.pk}.{stamp}@{domain}>"


def send_email(
    notification: Notification, message: RenderedMessage, *, unsubscribe_url: str, connection
) -> str:
    """Send `message` to `notification.to_address`; return the provider's message id.

    Carries RFC 8058 one-click unsubscribe headers when there is an unsubscribe link, and
    the row's attachments (`notifications.attachments`).
    Raises whatever the mail backend raises when the message is not accepted.
    """
    headers = {"Message-ID": message_id_for(notification)}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_address],
        headers=headers,
        connection=connection,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    for attachment in notification.attachments or ():
        email.attach(mime_part(attachment))
    email.send(fail_silently=False)
    # django-anymail reports the provider's own id; plain SMTP has only ours.
    status = getattr(email, "anymail_status", None)
    provider_id = getattr(status, "message_id", None) if status is not None else None
    return str(provider_id or headers["Message-ID"])[:255]


def send_sms(notification: Notification, message: RenderedMessage) -> str:
    """Send `message` to `notification.to_address` by SMS; return the provider's message id."""
    return str(get_sms_backend().send(to=notification.to_address, body=message.body))[:255]
