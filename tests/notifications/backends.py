"""Stand-ins for providers that cannot run here: they record or refuse, like real ones."""

import smtplib
import time

from django.core.mail.backends.locmem import EmailBackend

from notifications.sms import BaseSMSBackend


class RefusingEmailBackend(EmailBackend):
    """An SMTP server that is down: every send raises, nothing reaches mail.outbox."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowEmailBackend(EmailBackend):
    """The locmem backend with a provider's latency, so concurrent dispatchers overlap."""

    def send_messages(self, messages):
        time.sleep(0.01)
        return super().send_messages(messages)


class RefusingSMSBackend(BaseSMSBackend):
    def send(self, *, to, body):
        raise ConnectionError(f"Provider refused {to}")
