"""Send queued notifications: claim, deliver, record, retry.

Safe to run in any number of workers at once and to kill at any moment: rows are claimed with
a lease in one committed statement, each outcome is recorded only by the claim that holds the
row, and a row whose worker died is claimed again once its lease has run out.
"""

from __future__ import annotations

import logging
import smtplib
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from notifications.delivery import send_email, send_sms
from notifications.models import Notification, NotificationChannel, NotificationStatus, SMSOptOut
from notifications.rendering import render
from notifications.services.delivery_status import notification_gave_up
from notifications.services.sms_opt_out import sms_opt_out, sms_opted_out
from notifications.services.unsubscribe import guest_opted_out
from notifications.sms import SMSRejected
from notifications.tokens import unsubscribe_url

logger = logging.getLogger(__name__)

# A provider that hangs must not outlast the lease (another run would then send the row
# again): a send may take at most half the lease (and never more than 30 seconds), and the
# lease is renewed every third of it, so a send started just before a renewal was due still
# ends inside the lease. EMAIL_TIMEOUT, when set, takes precedence.
_SEND_TIMEOUT_SECONDS = 30

# Waits between attempts: 1, 2, 4, 8... minutes, never more than an hour.
_BACKOFF_BASE_SECONDS = 60
_BACKOFF_CAP_SECONDS = 3600

# statement_timestamp(), not now(): now() is the start of the transaction, while the lease and
# the due time must be compared with the time of this statement. Unlike clock_timestamp() it is
# stable within the statement, so the partial indexes can serve the comparisons.
_CLAIM_SQL = """
UPDATE notifications_notification
   SET status = 'sending',
       claimed_until = statement_timestamp() + make_interval(secs => %(lease)s),
       attempts = attempts + 1,
       updated_at = statement_timestamp()
 WHERE id IN (
       SELECT id
         FROM notifications_notification
        WHERE (status = 'pending' AND available_at <= statement_timestamp())
           OR (status = 'sending' AND claimed_until < statement_timestamp())
        ORDER BY id
        LIMIT %(limit)s
          FOR NO KEY UPDATE SKIP LOCKED)
RETURNING id, attempts
"""


# The heartbeat: extend the lease of the rows this run still holds and has not tried yet.
# Only a lease that has not run out is extended (once it has, another run may have claimed
# the row, or may at any moment), and only while the row still carries this run's attempt.
_RENEW_SQL = """
UPDATE notifications_notification AS n
   SET claimed_until = statement_timestamp() + make_interval(secs => %(lease)s),
       updated_at = statement_timestamp()
  FROM unnest(%(ids)s::bigint[], %(attempts)s::integer[]) AS held(id, attempt)
 WHERE n.id = held.id
   AND n.attempts = held.attempt
   AND n.status = 'sending'
   AND n.claimed_until >= statement_timestamp()
RETURNING n.id
"""


def send_timeout_seconds() -> float:
    """Return how long one send may take before it is abandoned (see _SEND_TIMEOUT_SECONDS)."""
    configured = getattr(settings, "EMAIL_TIMEOUT", None)
    if configured:
        return configured
    return max(1, min(_SEND_TIMEOUT_SECONDS, settings.NOTIFICATIONS_LEASE_SECONDS / 2))


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait before the next try after `attempts` failed tries."""
    exponent = max(attempts - 1, 0)
    return timedelta(
        seconds=min(_BACKOFF_CAP_SECONDS, _BACKOFF_BASE_SECONDS * 2 ** min(exponent, 20))
    )


def _describe(error: Exception) -> str:
    # Exception messages from providers often quote the address; keep only what is not
    # personal: the kind of error and the provider's status code.
    description = type(error).__name__
    code = getattr(error, "smtp_code", None) or getattr(error, "status_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(c) for c, _ in error.recipients.values()})
        code = ",".join(codes)
    if code:
        description = f"{description} ({code})"
    return description[:255]


def _give_up_on_abandoned() -> int:
    """Fail rows whose last allowed attempt was claimed by a worker that never reported back,
    and announce each one (notifications.signals), as for any message given up on.

    Without this, a message that kills its worker every time would be claimed forever. Rows
    another run holds are skipped (it is giving them up already); the rest are locked in
    primary-key order, so two runs never deadlock and each row is announced once.
    """
    with transaction.atomic():
        abandoned = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                status=NotificationStatus.SENDING,
                claimed_until__lt=timezone.now(),
                attempts__gte=settings.NOTIFICATIONS_MAX_ATTEMPTS,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not abandoned:
            return 0
        Notification.objects.filter(pk__in=abandoned).update(
            status=NotificationStatus.FAILED,
            claimed_until=None,
            last_error="Worker lost during the last attempt",
            updated_at=timezone.now(),
        )
        for notification_id in abandoned:
            notification_gave_up(notification_id=notification_id)
        return len(abandoned)


def _claim(*, limit: int, lease_seconds: int) -> list[tuple[int, int]]:
    """Take up to `limit` due rows for this run and commit, returning (id, attempt) pairs.

    One statement: rows another dispatcher holds are skipped, not waited for, so concurrent
    runs never take the same row; the committed lease lets the next run reclaim the rows if
    this worker dies. The attempt number identifies this claim in every later update.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, {"lease": lease_seconds, "limit": limit})
        return sorted(cursor.fetchall())


def _finish(notification_id: int, attempt: int, **changes) -> bool:
    """Record an outcome, only if the row is still held by this run's claim."""
    with transaction.atomic():
        updated = Notification.objects.filter(
            pk=notification_id, status=NotificationStatus.SENDING, attempts=attempt
        ).update(claimed_until=None, updated_at=timezone.now(), **changes)
        if updated and changes.get("status") == NotificationStatus.FAILED:
            # Given up: whoever sent it hears so (notifications.signals), never silence.
            notification_gave_up(notification_id=notification_id)
    if not updated:
        logger.warning(
            "Notification %s: claim %s was lost before its outcome", notification_id, attempt
        )
    return bool(updated)


def _release(claims: list[tuple[int, int]]) -> None:
    """Give back claimed rows not tried yet, without counting an attempt."""
    with transaction.atomic():
        for notification_id, attempt in claims:
            Notification.objects.filter(
                pk=notification_id, status=NotificationStatus.SENDING, attempts=attempt
            ).update(
                status=NotificationStatus.PENDING,
                claimed_until=None,
                attempts=F("attempts") - 1,
                updated_at=timezone.now(),
            )


def _renew(claims: list[tuple[int, int]], *, lease_seconds: int) -> list[tuple[int, int]]:
    """Extend the lease of `claims` still held by this run; return those, hand back the rest.

    A claim whose lease ran out before its renewal (the worker was paused, a send hung) is not
    this run's any more: it is given back to `pending` if no other run has taken it yet, and
    not sent by this run.
    """
    if not claims:
        return []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _RENEW_SQL,
            {
                "lease": lease_seconds,
                "ids": [notification_id for notification_id, _ in claims],
                "attempts": [attempt for _, attempt in claims],
            },
        )
        renewed = {row[0] for row in cursor.fetchall()}
    lost = [claim for claim in claims if claim[0] not in renewed]
    if lost:
        logger.warning("%s claimed notifications ran out of lease before they were sent", len(lost))
        _release(lost)
    return [claim for claim in claims if claim[0] in renewed]


def _opted_out(notification: Notification) -> bool:
    user = notification.recipient
    if notification.channel == NotificationChannel.EMAIL:
        if user is not None:
            return not user.notify_by_email
        return guest_opted_out(notification.to_address)
    if notification.channel == NotificationChannel.SMS:
        if user is not None and not (user.notify_by_sms and user.phone):
            return True
        return sms_opted_out(notification.to_address)
    return False


class _MailConnection:
    """One SMTP/provider connection per batch, replaced after an error may have broken it."""

    def __init__(self) -> None:
        self._connection = None

    def get(self):
        if self._connection is None:
            self._connection = get_connection(timeout=send_timeout_seconds())
        return self._connection

    def reset(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                logger.warning("Could not close the mail connection cleanly")
            self._connection = None


def _retry_later(notification_id: int, attempt: int, error: Exception, **changes) -> None:
    """Record a failed attempt: back to `pending` with backoff, or `failed` after the last."""
    changes["last_error"] = _describe(error)
    if attempt >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        _finish(notification_id, attempt, status=NotificationStatus.FAILED, **changes)
    else:
        _finish(
            notification_id,
            attempt,
            status=NotificationStatus.PENDING,
            available_at=timezone.now() + retry_delay(attempt),
            **changes,
        )


def _deliver(notification: Notification, attempt: int, mail: _MailConnection) -> None:
    """Send one claimed notification and record the outcome; never raise for this row alone.

    Whatever goes wrong with one message is recorded on that message, and the rest of the
    batch is sent: an error while rendering it (a broken template, a context the templates
    cannot use: the same row would fail the same way again) fails it at once; any other error
    (the provider, the database) sends it back to `pending` with backoff.

    Why a successful message is not sent twice: the provider's acceptance is recorded in its
    own transaction straight after the provider answers, conditioned on this run's claim, so
    the only window for a duplicate is a crash between the provider's answer and that commit
    (milliseconds). If that happens, the lease expires and the next run sends again; the
    e-mail carries the same Message-ID as the first copy (`delivery.message_id_for`), so it is
    recognisably the same message. Recording success before sending would instead risk losing
    a message, which is worse for a reminder than a rare duplicate.
    """
    try:
        opted_out = _opted_out(notification)
    except Exception as error:
        logger.warning(
            "Notification %s: attempt %s failed before sending: %s",
            notification.pk,
            attempt,
            _describe(error),
        )
        _retry_later(notification.pk, attempt, error)
        return
    if opted_out:
        _finish(notification.pk, attempt, status=NotificationStatus.SKIPPED)
        return
    is_email = notification.channel == NotificationChannel.EMAIL
    try:
        unsubscribe = unsubscribe_url(notification) if is_email else ""
        message = render(notification, unsubscribe_url=unsubscribe)
    except Exception as error:
        # The row or its templates are broken: retrying cannot help until someone fixes
        # them (and then `notifications_retry` sends it). The traceback names no person:
        # only the template and the kind of error are logged.
        logger.error(
            "Notification %s: cannot render %s: %s",
            notification.pk,
            notification.template_key,
            _describe(error),
        )
        _finish(
            notification.pk, attempt, status=NotificationStatus.FAILED, last_error=_describe(error)
        )
        return
    try:
        if is_email:
            provider_id = send_email(
                notification, message, unsubscribe_url=unsubscribe, connection=mail.get()
            )
        elif notification.channel == NotificationChannel.SMS:
            provider_id = send_sms(notification, message)
        else:
            # An in-app row queued as pending (e.g. by a bulk insert) is delivered by
            # storing its rendered text: the row is the inbox.
            provider_id = ""
    except SMSRejected as error:
        # Final: a retry would be refused again. A STOP also stops every later text.
        logger.warning("Notification %s: the SMS provider refused it", notification.pk)
        if error.opted_out:
            sms_opt_out(phone=notification.to_address, source=SMSOptOut.Source.PROVIDER)
        _finish(
            notification.pk,
            attempt,
            status=NotificationStatus.FAILED,
            last_error=_describe(error),
            subject=message.subject,
            body=message.body,
        )
        return
    except Exception as error:
        if is_email:
            mail.reset()
        logger.warning(
            "Notification %s: attempt %s failed: %s", notification.pk, attempt, _describe(error)
        )
        _retry_later(notification.pk, attempt, error, subject=message.subject, body=message.body)
        return
    _finish(
        notification.pk,
        attempt,
        status=NotificationStatus.SENT,
        sent_at=timezone.now(),
        provider_message_id=provider_id,
        subject=message.subject,
        body=message.body,
        last_error="",
    )


def notifications_dispatch(*, batch_size: int | None = None) -> int:
    """Send due notifications, batch by batch, until none is due; return how many were handled.

    Safe to run concurrently and repeatedly (see `_claim`). Each message is recorded as sent
    in its own transaction as soon as its provider accepted it. A row that fails goes back to
    `pending` with an exponential backoff (`retry_delay`) and becomes `failed` after
    settings.NOTIFICATIONS_MAX_ATTEMPTS; a row whose recipient has opted out of its channel
    since it was queued becomes `skipped`. While a batch is being sent, the lease of its rows
    not sent yet is renewed every third of settings.NOTIFICATIONS_LEASE_SECONDS (the
    heartbeat), so the lease can be short (a dead worker's rows are sent again soon) without a
    long batch losing its rows; rows whose lease ran out anyway are handed back untouched.
    """
    batch_size = batch_size or settings.NOTIFICATIONS_BATCH_SIZE
    lease_seconds = settings.NOTIFICATIONS_LEASE_SECONDS
    heartbeat_seconds = lease_seconds / 3
    _give_up_on_abandoned()
    handled = 0
    started = time.monotonic()
    mail = _MailConnection()
    try:
        while True:
            claims = _claim(limit=batch_size, lease_seconds=lease_seconds)
            if not claims:
                break
            renewed_at = time.monotonic()
            rows = Notification.objects.select_related("recipient").in_bulk(
                [notification_id for notification_id, _ in claims]
            )
            pending = list(claims)
            while pending:
                if time.monotonic() - renewed_at >= heartbeat_seconds:
                    pending = _renew(pending, lease_seconds=lease_seconds)
                    renewed_at = time.monotonic()
                    if not pending:
                        break
                notification_id, attempt = pending.pop(0)
                notification = rows.get(notification_id)
                if notification is not None:
                    _deliver(notification, attempt, mail)
                    handled += 1
            # One run keeps a worker for about one lease at most; the next run goes on.
            if len(claims) < batch_size or time.monotonic() - started > lease_seconds:
                break
    finally:
        mail.reset()
    return handled
