"""Text-message backends, chosen by ``settings.SMS_BACKEND`` (a dotted class path).

A backend is a class with one method, ``send(*, to, body) -> str``, returning the provider's
message id and raising an exception if the provider did not accept the message. It must give
up within about 30 seconds (set the HTTP client's timeout): a send that outlasts the
dispatcher's lease could be sent a second time by another run. Write one per provider
(Twilio, Amazon SNS...) next to these two:

* ``ConsoleSMSBackend`` (development): logs the message, with only the last two digits of the
  number, so no phone number reaches the logs.
* ``LocmemSMSBackend`` (tests): appends to ``notifications.sms.outbox``, like ``mail.outbox``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SMSMessage:
    to: str
    body: str
    message_id: str


# Messages sent through LocmemSMSBackend, oldest first. Tests empty it between runs.
outbox: list[SMSMessage] = []


class BaseSMSBackend:
    def send(self, *, to: str, body: str) -> str:
        """Send `body` to the phone number `to`; return the provider's message id."""
        raise NotImplementedError


class ConsoleSMSBackend(BaseSMSBackend):
    def send(self, *, to: str, body: str) -> str:
        message_id = f"console-{uuid.uuid4()}"
        logger.info("SMS %s to number ending %s:\n%s", message_id, to[-2:], body)
        return message_id


class LocmemSMSBackend(BaseSMSBackend):
    def send(self, *, to: str, body: str) -> str:
        message_id = f"locmem-{uuid.uuid4()}"
        outbox.append(SMSMessage(to=to, body=body, message_id=message_id))
        return message_id


def get_sms_backend() -> BaseSMSBackend:
    """Return an instance of the configured SMS backend."""
    return import_string(settings.SMS_BACKEND)()
