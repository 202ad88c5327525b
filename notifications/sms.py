"""Text-message backends, chosen by ``settings.SMS_BACKEND`` (a dotted class path).

A backend is a class with one method, ``send(*, to, body) -> str``, returning the provider's
message id and raising an exception if the provider did not accept the message. It must give
up within about 30 seconds (set the HTTP client's timeout): a send that outlasts the
dispatcher's lease could be sent a second time by another run. A provider's final refusal
(a number that is not a mobile, a recipient who texted STOP) is raised as ``SMSRejected`` so
the message is not retried; anything else (network, 5xx, rate limit) is retried with backoff.

* ``TwilioSMSBackend`` (production): Twilio's Messages REST API over HTTPS, standard library
  only; each message asks for Twilio's status callback (delivered, undelivered, failed), and
  ``twilio_signature_valid`` checks the signature of Twilio's webhooks (`webhooks.py`).
* ``ConsoleSMSBackend`` (development): logs the message, with only the last two digits of the
  number, so no phone number reaches the logs.
* ``LocmemSMSBackend`` (tests): appends to ``notifications.sms.outbox``, like ``mail.outbox``.
"""

from __future__ import annotations

import abc
import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SMSMessage:
    to: str
    body: str
    message_id: str


# Messages sent through LocmemSMSBackend, oldest first. Tests empty it between runs.
outbox: list[SMSMessage] = []


class SMSProviderError(Exception):
    """The provider did not take the message this time (5xx, rate limit): retried later.

    `status_code` is the provider's status and error code, safe to store: no number in it.
    """

    def __init__(self, message: str, *, status_code: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code


class SMSRejected(SMSProviderError):
    """The provider refused this message for good: sending it again cannot succeed.

    `opted_out` is true when the refusal is the recipient's own STOP, so the number is put on
    the opt-out list and nothing more is texted to it.
    """

    def __init__(self, message: str, *, status_code: str = "", opted_out: bool = False) -> None:
        super().__init__(message, status_code=status_code)
        self.opted_out = opted_out


class BaseSMSBackend(abc.ABC):
    @abc.abstractmethod
    def send(self, *, to: str, body: str) -> str:
        """Send `body` to the phone number `to`; return the provider's message id."""


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


class TwilioSMSBackend(BaseSMSBackend):
    """Twilio Programmable Messaging: one HTTPS POST per message.

    Settings: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and either TWILIO_MESSAGING_SERVICE_SID
    or TWILIO_FROM_NUMBER; TWILIO_API_BASE only to point it at another host (a test server).
    """

    TIMEOUT_SECONDS = 20
    # Twilio error codes that no retry can fix: invalid or unreachable "To" numbers, and a
    # recipient who replied STOP (21610).
    OPTED_OUT = 21610
    FINAL_ERRORS = {21211, 21214, 21407, 21408, 21421, 21601, 21602, 21604, 21610, 21612, 21614}

    def __init__(self) -> None:
        self.account_sid = settings.TWILIO_ACCOUNT_SID
        self.auth_token = settings.TWILIO_AUTH_TOKEN
        self.sender = (
            {"MessagingServiceSid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"From": settings.TWILIO_FROM_NUMBER}
        )
        if not (self.account_sid and self.auth_token and any(self.sender.values())):
            raise ImproperlyConfigured(
                "TwilioSMSBackend needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER."
            )
        self.url = (
            f"{settings.TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/"
            f"{urllib.parse.quote(self.account_sid)}/Messages.json"
        )
        # Twilio reports each message's fate here (a text the carrier could not deliver is
        # a bounce, like an e-mail's), signed like every Twilio webhook.
        self.status_callback = settings.SITE_URL.rstrip("/") + reverse(
            "notifications:twilio_status"
        )

    def send(self, *, to: str, body: str) -> str:
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 (the URL is the configured API base)
            self.url,
            data=urllib.parse.urlencode(
                {"To": to, "Body": body, **self.sender, "StatusCallback": self.status_callback}
            ).encode(),
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.TIMEOUT_SECONDS) as response:  # noqa: S310
                return json.load(response)["sid"]
        except urllib.error.HTTPError as error:
            code, text = self._error_of(error)
            status_code = f"{error.code}/{code}" if code else str(error.code)
            if error.code == 400 and code in self.FINAL_ERRORS:
                raise SMSRejected(
                    f"Twilio refused the message: {text}",
                    status_code=status_code,
                    opted_out=code == self.OPTED_OUT,
                ) from None
            raise SMSProviderError(
                f"Twilio answered {status_code}: {text}", status_code=status_code
            ) from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise SMSProviderError(f"Twilio could not be reached: {error}") from None

    @staticmethod
    def _error_of(error: urllib.error.HTTPError) -> tuple[int | None, str]:
        try:
            payload = json.loads(error.read() or b"{}")
        except ValueError:
            return None, error.reason or ""
        return payload.get("code"), str(payload.get("message", ""))[:200]


def twilio_signature_valid(*, url: str, params: dict[str, str], signature: str) -> bool:
    """Check Twilio's X-Twilio-Signature: HMAC-SHA1 of the URL and the sorted POST fields.

    Twilio's documented algorithm, in the standard library (the `twilio` package is not a
    dependency: its RequestValidator computes the same digest)."""
    # compare_digest refuses non-ASCII text, and no base64 signature has any.
    if not settings.TWILIO_AUTH_TOKEN or not signature or not signature.isascii():
        return False
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(settings.TWILIO_AUTH_TOKEN.encode(), payload.encode(), hashlib.sha1)
    expected = base64.b64encode(digest.digest()).decode()
    return hmac.compare_digest(expected, signature)


def get_sms_backend() -> BaseSMSBackend:
    """Return an instance of the configured SMS backend."""
    return import_string(settings.SMS_BACKEND)()
