"""Turn a notification's template key and context into the text that is sent.

Convention for every app that sends a message (follow it; the dispatcher relies on it):

* A message is a folder of templates, ``templates/notifications/<template_key>/``, where the
  key is namespaced by the app that owns it: ``cases/status_changed`` lives in
  ``templates/notifications/cases/status_changed/``.
* Files in that folder, by channel:

  ``subject.txt``  e-mail subject and in-app title (one line; newlines are folded). Required
                   for e-mail.
  ``body.txt``     e-mail plain-text body. Required for e-mail.
  ``body.html``    e-mail HTML alternative. Optional; without it the mail is plain text.
  ``sms.txt``      text message. Required for SMS; keep it short (160 characters is one part,
                   with the STOP line below).
  ``in_app.txt``   in-app message body. Optional; falls back to ``body.txt``.

* Templates are rendered under ``translation.override(notification.language)``, so
  ``{% translate %}`` / ``{% blocktranslate %}`` give the recipient's language. ``.txt``
  templates are rendered without HTML autoescaping; ``body.html`` is escaped as usual.
* Their context is the JSON context given to ``notification_send`` (strings, numbers, lists,
  dicts: format dates and amounts before passing them, or pass ISO strings and format in the
  template) plus:

  ``recipient_name``   the account's full name, or "" for a guest
  ``agency``           ``settings.AGENCY`` (name, phone, e-mail, address, hours...)
  ``site_url``         ``settings.SITE_URL``, for absolute links
  ``link_url``         the absolute link given to ``notification_send``, or ""
  ``unsubscribe_url``  one-click unsubscribe link (e-mail only; "" elsewhere)

* Do not add an unsubscribe footer yourself: every e-mail gets one appended from
  ``notifications/_email_footer.txt`` / ``.html``, and every text message the line
  ``notifications/_sms_footer.txt`` ("Reply STOP to stop.", in the recipient's language),
  which the carrier and the inbound webhook act on (`webhooks.twilio_inbound`: the number is
  put on the opt-out list and texted nothing more).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template import Context, TemplateDoesNotExist, loader
from django.utils import translation

from notifications.models import Notification, NotificationChannel


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str
    html: str = ""


def template_name(template_key: str, part: str) -> str:
    """Return the template path of one part (``subject.txt``, ``sms.txt``...) of a message."""
    return f"notifications/{template_key}/{part}"


def _render_text(name: str, context: dict) -> str:
    # Plain-text parts must not be HTML-escaped ("O'Brien" must not become "O&#x27;Brien"),
    # so they are rendered through the engine-level template with autoescape off.
    template = loader.get_template(name)
    return template.template.render(Context(context, autoescape=False)).strip()


def _render_optional_text(name: str, context: dict) -> str | None:
    try:
        return _render_text(name, context)
    except TemplateDoesNotExist:
        return None


def _render_optional_html(name: str, context: dict) -> str:
    try:
        template = loader.get_template(name)
    except TemplateDoesNotExist:
        return ""
    return template.render(context).strip()


def _one_line(text: str) -> str:
    # A subject is a mail header: a newline in it would be refused (header injection).
    return " ".join(text.split())


def message_context(notification: Notification, *, unsubscribe_url: str = "") -> dict:
    """Return the template context of `notification`: its own context plus the standard names."""
    recipient = notification.recipient
    return {
        **(notification.context or {}),
        "recipient_name": recipient.full_name if recipient is not None else "",
        "agency": settings.AGENCY,
        "site_url": settings.SITE_URL,
        "link_url": notification.link_url,
        "unsubscribe_url": unsubscribe_url,
    }


def render(notification: Notification, *, unsubscribe_url: str = "") -> RenderedMessage:
    """Render `notification` for its channel, in its language.

    Raises TemplateDoesNotExist when a part the channel requires is missing.
    """
    context = message_context(notification, unsubscribe_url=unsubscribe_url)
    key = notification.template_key
    with translation.override(notification.language):
        if notification.channel == NotificationChannel.SMS:
            body = _render_text(template_name(key, "sms.txt"), context).strip()
            footer = _render_text("notifications/_sms_footer.txt", context).strip()
            return RenderedMessage(subject="", body=f"{body} {footer}")
        if notification.channel == NotificationChannel.IN_APP:
            subject = _render_optional_text(template_name(key, "subject.txt"), context) or ""
            body = _render_optional_text(template_name(key, "in_app.txt"), context)
            if body is None:
                body = _render_text(template_name(key, "body.txt"), context)
            return RenderedMessage(subject=_one_line(subject)[:255], body=body)
        subject = _render_text(template_name(key, "subject.txt"), context)
        body = _render_text(template_name(key, "body.txt"), context)
        html = _render_optional_html(template_name(key, "body.html"), context)
        footer_context = {**context, "unsubscribe_url": unsubscribe_url}
        body = f"{body}\n\n{_render_text('notifications/_email_footer.txt', footer_context)}"
        if html:
            footer = loader.get_template("notifications/_email_footer.html").render(footer_context)
            html = f"{html}\n{footer.strip()}"
        return RenderedMessage(subject=_one_line(subject)[:255], body=body, html=html)
