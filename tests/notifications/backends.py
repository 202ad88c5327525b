"""Stand-ins for providers that cannot run here: they record or refuse, like real ones."""

import smtplib
import threading
import time

from django.core.mail.backends.locmem import EmailBackend

from notifications.sms import BaseSMSBackend


class RefusingEmailBackend(EmailBackend):
    """An SMTP server that is down: every send raises, nothing reaches mail.outbox."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class OverlappingEmailBackend(EmailBackend):
    """The locmem backend, where the first thread to send waits until another thread sends
    too (up to 30 s): two concurrent dispatchers overlap however the machine schedules them
    (a fixed delay did not, on a busy machine). Call `reset()` before each use."""

    _lock = threading.Lock()
    _senders: set[int] = set()
    _both_sending = threading.Event()

    @classmethod
    def reset(cls) -> None:
        cls._senders = set()
        cls._both_sending = threading.Event()

    def send_messages(self, messages):
        with self._lock:
            self._senders.add(threading.get_ident())
            if len(self._senders) > 1:
                self._both_sending.set()
        self._both_sending.wait(timeout=30)
        return super().send_messages(messages)


class RefusingSMSBackend(BaseSMSBackend):
    def send(self, *, to, body):
        raise ConnectionError(f"Provider refused {to}")


class SlowEmailBackend(EmailBackend):
    """A provider that takes half a second per message and, before each one, takes a
    snapshot of the outbox as other processes see it: {id: (status, seconds of lease left)}
    in `snapshots`. Empty `snapshots` before each use."""

    snapshots: list[dict[int, tuple[str, float | None]]] = []

    def send_messages(self, messages):
        from django.utils import timezone

        from notifications.models import Notification

        now = timezone.now()
        type(self).snapshots.append(
            {
                pk: (status, (until - now).total_seconds() if until else None)
                for pk, status, until in Notification.objects.values_list(
                    "pk", "status", "claimed_until"
                )
            }
        )
        time.sleep(0.5)
        return super().send_messages(messages)
