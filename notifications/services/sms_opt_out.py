"""Opting out of text messages: a STOP reply, or the provider saying the number opted out."""

from __future__ import annotations

import logging

from django.db import transaction

from notifications.models import SMSOptOut

logger = logging.getLogger(__name__)

# Replies that mean "no more texts" or "texts again", as carriers and Twilio read them, plus
# the Spanish words residents use.
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "ALTO", "PARAR", "BAJA"}
)
START_WORDS = frozenset({"START", "UNSTOP", "YES", "SUBSCRIBE", "INICIO", "ALTA"})


def sms_opted_out(phone: str) -> bool:
    return SMSOptOut.objects.filter(phone=phone.strip()).exists()


def sms_opt_out(*, phone: str, source: str) -> bool:
    """Put `phone` on the opt-out list; False if it was on it already."""
    with transaction.atomic():
        _row, created = SMSOptOut.objects.get_or_create(
            phone=phone.strip(), defaults={"source": source}
        )
    if created:
        logger.info("A phone number opted out of text messages (%s)", source)
    return created


def sms_opt_in(*, phone: str) -> bool:
    """Take `phone` off the opt-out list; False if it was not on it."""
    with transaction.atomic():
        deleted, _ = SMSOptOut.objects.filter(phone=phone.strip()).delete()
    if deleted:
        logger.info("A phone number opted back in to text messages")
    return bool(deleted)


def sms_reply_receive(*, phone: str, body: str) -> str | None:
    """Act on an inbound text: "stop" or "start" when it was a keyword, else None."""
    keyword = body.strip().upper().rstrip(".!")
    if keyword in STOP_WORDS:
        sms_opt_out(phone=phone, source=SMSOptOut.Source.REPLY)
        return "stop"
    if keyword in START_WORDS:
        sms_opt_in(phone=phone)
        return "start"
    return None
