"""Every write of the notifications app: queue, dispatch, read and unsubscribe.

Sending is an outbox. `notification_send` only inserts rows, inside the caller's transaction,
so a message exists if and only if the change it announces was committed. The dispatcher
(`notifications_dispatch`, run by Celery) sends them afterwards, retries failures and survives
workers that die half way.
"""

from __future__ import annotations

import json
import logging
import smtplib
import time
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone, translation

from notifications.delivery import send_email, send_sms
from notifications.models import EmailOptOut, Notification, NotificationChannel, NotificationStatus
from notifications.rendering import render
from notifications.tokens import read_unsubscribe_token, unsubscribe_url

logger = logging.getLogger(__name__)

# Preference order of the returned list and of the rows written.
_ALL_CHANNELS = (NotificationChannel.EMAIL, NotificationChannel.SMS, NotificationChannel.IN_APP)


def _check_json(context: dict) -> None:
    if not isinstance(context, dict):
        raise TypeError("Notification context must be a dict.")
    try:
        json.dumps(context)
    except (TypeError, ValueError) as error:
        raise TypeError(
            "Notification context must be JSON-serializable (str, int, float, bool, None, "
            "list, dict): format dates, decimals and model instances before passing them. "
            f"{error}"
        ) from None


def _language_for(user) -> str:
    language = user.preferred_language if user is not None else translation.get_language()
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def _addresses(*, user, email: str, phone: str) -> dict[str, str]:
    """Return the channels the recipient accepts, each with the address it goes to."""
    if user is None:
        accepted = {}
        if email:
            accepted[NotificationChannel.EMAIL] = email.strip()
        if phone:
            accepted[NotificationChannel.SMS] = str(phone).strip()
        return accepted
    accepted = {}
    if user.notify_by_email and user.email:
        accepted[NotificationChannel.EMAIL] = user.email
    if user.notify_by_sms and user.phone:
        accepted[NotificationChannel.SMS] = str(user.phone)
    accepted[NotificationChannel.IN_APP] = ""
    return accepted


def _schedule_dispatch() -> None:
    from notifications.tasks import dispatch_pending

    def enqueue() -> None:
        # The periodic dispatch sweeps up anything this misses, so a broker outage only
        # delays the message; it must not turn a committed business change into an error.
        try:
            dispatch_pending.delay()
        except Exception:
            logger.warning("Could not enqueue the notification dispatcher; beat will run it.")

    transaction.on_commit(enqueue)


def notification_send(
    *,
    template_key: str,
    context: dict,
    dedupe_key: str,
    user=None,
    email: str = "",
    phone: str = "",
    channels: Iterable[str] | None = None,
    link_url: str = "",
) -> list[Notification]:
    """Queue a message to a user (by their preferences) or to a guest (by address).

    Writes one row per channel the recipient accepts, in the caller's transaction: e-mail if
    `user.notify_by_email`, SMS if `user.notify_by_sms` and they have a phone, in-app always;
    for a guest (`user=None`), e-mail if `email` and SMS if `phone`. `channels` narrows that
    set. Each row's unique key is ``f"{dedupe_key}:{channel}"``: calling again with the same
    key writes nothing and returns the rows that already exist, so callers may retry freely.

    In-app rows are rendered at once and are `sent` (they are the inbox); the others are
    `pending`, and the dispatcher is scheduled to run after commit. `link_url` is an absolute
    link the message points to (shown in the inbox, available to templates).

    Raises TypeError if `context` is not JSON-serializable, ValueError for an unknown channel,
    and TemplateDoesNotExist if an in-app message has no template.
    """
    _check_json(context)
    if channels is not None:
        wanted = set(channels)
        unknown = wanted - set(NotificationChannel.values)
        if unknown:
            raise ValueError(f"Unknown notification channel(s): {sorted(unknown)}")
    else:
        wanted = set(NotificationChannel.values)
    accepted = {
        channel: address
        for channel, address in _addresses(user=user, email=email, phone=phone).items()
        if channel in wanted
    }
    if not accepted:
        return []

    language = _language_for(user)
    now = timezone.now()
    rows = []
    for channel in _ALL_CHANNELS:
        if channel not in accepted:
            continue
        row = Notification(
            recipient=user,
            to_address=accepted[channel],
            channel=channel,
            template_key=template_key,
            context=context,
            language=language,
            dedupe_key=f"{dedupe_key}:{channel}",
            available_at=now,
            link_url=link_url,
        )
        if channel == NotificationChannel.IN_APP:
            rendered = render(row)
            row.subject, row.body = rendered.subject, rendered.body
            row.status, row.sent_at = NotificationStatus.SENT, now
        rows.append(row)

    keys = [row.dedupe_key for row in rows]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        existing = {n.dedupe_key: n for n in Notification.objects.filter(dedupe_key__in=keys)}
        if any(
            row.channel != NotificationChannel.IN_APP
            and existing[row.dedupe_key].status == NotificationStatus.PENDING
            for row in rows
        ):
            _schedule_dispatch()
    return [existing[key] for key in keys]


def notification_mark_read(*, notification: Notification, user) -> Notification:
    """Mark an in-app message read by its recipient; reading it again changes nothing.

    Raises PermissionDenied if `user` is not the recipient.
    """
    if notification.recipient_id is None or notification.recipient_id != user.pk:
        raise PermissionDenied
    with transaction.atomic():
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now, updated_at=now
        )
        notification.refresh_from_db(fields=["read_at", "updated_at"])
    return notification


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


def _guest_opted_out(email: str) -> bool:
    return (
        EmailOptOut.objects.alias(email_ci=Lower("email"))
        .filter(email_ci=email.strip().lower(), user__isnull=True)
        .exists()
    )


def email_opt_out(*, email: str) -> None:
    """Stop e-mail to a guest's address; later messages to it are skipped."""
    with transaction.atomic():
        if not _guest_opted_out(email):
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


def notifications_retry(*, notification_ids: Iterable[int]) -> int:
    """Send failed or waiting messages again now, with a fresh set of attempts.

    Messages already sent, being sent, or skipped are left alone. Returns how many were reset.
    """
    with transaction.atomic():
        count = Notification.objects.filter(
            pk__in=list(notification_ids),
            status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED],
        ).update(
            status=NotificationStatus.PENDING,
            attempts=0,
            available_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if count:
            _schedule_dispatch()
    return count


# --- Dispatcher ---------------------------------------------------------------------------

# Waits between attempts: 1, 2, 4, 8... minutes, never more than an hour.
_BACKOFF_BASE_SECONDS = 60
_BACKOFF_CAP_SECONDS = 3600

# clock_timestamp(), not now(): now() is the start of the transaction, and the lease and the
# due time must be compared with the real time.
_CLAIM_SQL = """
UPDATE notifications_notification
   SET status = 'sending',
       claimed_until = clock_timestamp() + make_interval(secs => %(lease)s),
       attempts = attempts + 1,
       updated_at = clock_timestamp()
 WHERE id IN (
       SELECT id
         FROM notifications_notification
        WHERE (status = 'pending' AND available_at <= clock_timestamp())
           OR (status = 'sending' AND claimed_until < clock_timestamp())
        ORDER BY id
        LIMIT %(limit)s
          FOR UPDATE SKIP LOCKED)
RETURNING id, attempts
"""


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
    """Fail rows whose last allowed attempt was claimed by a worker that never reported back.

    Without this, a message that kills its worker every time would be claimed forever.
    """
    with transaction.atomic():
        return Notification.objects.filter(
            status=NotificationStatus.SENDING,
            claimed_until__lt=timezone.now(),
            attempts__gte=settings.NOTIFICATIONS_MAX_ATTEMPTS,
        ).update(
            status=NotificationStatus.FAILED,
            claimed_until=None,
            last_error="Worker lost during the last attempt",
            updated_at=timezone.now(),
        )


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


def _opted_out(notification: Notification) -> bool:
    user = notification.recipient
    if notification.channel == NotificationChannel.EMAIL:
        if user is not None:
            return not user.notify_by_email
        return _guest_opted_out(notification.to_address)
    if notification.channel == NotificationChannel.SMS and user is not None:
        return not (user.notify_by_sms and user.phone)
    return False


class _MailConnection:
    """One SMTP/provider connection per batch, replaced after an error may have broken it."""

    def __init__(self) -> None:
        self._connection = None

    def get(self):
        if self._connection is None:
            self._connection = get_connection()
        return self._connection

    def reset(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                logger.warning("Could not close the mail connection cleanly")
            self._connection = None


def _deliver(notification: Notification, attempt: int, mail: _MailConnection) -> None:
    """Send one claimed notification and record the outcome.

    Why a successful message is not sent twice: the provider's acceptance is recorded in its
    own transaction straight after the provider answers, conditioned on this run's claim, so
    the only window for a duplicate is a crash between the provider's answer and that commit
    (milliseconds). If that happens, the lease expires and the next run sends again; the
    e-mail carries the same Message-ID as the first copy (`delivery.message_id_for`), so it is
    recognisably the same message. Recording success before sending would instead risk losing
    a message, which is worse for a reminder than a rare duplicate.
    """
    if _opted_out(notification):
        _finish(notification.pk, attempt, status=NotificationStatus.SKIPPED)
        return
    is_email = notification.channel == NotificationChannel.EMAIL
    unsubscribe = unsubscribe_url(notification) if is_email else ""
    try:
        message = render(notification, unsubscribe_url=unsubscribe)
    except (TemplateDoesNotExist, TemplateSyntaxError) as error:
        # A missing or broken template will not fix itself between retries.
        logger.error(
            "Notification %s: cannot render %s", notification.pk, notification.template_key
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
        else:
            provider_id = send_sms(notification, message)
    except Exception as error:
        if is_email:
            mail.reset()
        logger.warning(
            "Notification %s: attempt %s failed: %s", notification.pk, attempt, _describe(error)
        )
        changes = {"last_error": _describe(error), "subject": message.subject, "body": message.body}
        if attempt >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            _finish(notification.pk, attempt, status=NotificationStatus.FAILED, **changes)
        else:
            _finish(
                notification.pk,
                attempt,
                status=NotificationStatus.PENDING,
                available_at=timezone.now() + retry_delay(attempt),
                **changes,
            )
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

    Safe to run concurrently and repeatedly (see `_claim`). A row that fails goes back to
    `pending` with an exponential backoff (`retry_delay`) and becomes `failed` after
    settings.NOTIFICATIONS_MAX_ATTEMPTS; a row whose recipient has opted out of its channel
    since it was queued becomes `skipped`. Rows this run claimed but has no time left to send
    before its lease runs out are handed back untouched.
    """
    batch_size = batch_size or settings.NOTIFICATIONS_BATCH_SIZE
    lease_seconds = settings.NOTIFICATIONS_LEASE_SECONDS
    _give_up_on_abandoned()
    handled = 0
    started = time.monotonic()
    mail = _MailConnection()
    try:
        while True:
            claims = _claim(limit=batch_size, lease_seconds=lease_seconds)
            if not claims:
                break
            # Stop well before the lease ends, or another run could reclaim a row mid-send.
            deadline = time.monotonic() + lease_seconds * 0.8
            rows = Notification.objects.select_related("recipient").in_bulk(
                [notification_id for notification_id, _ in claims]
            )
            for index, (notification_id, attempt) in enumerate(claims):
                if time.monotonic() > deadline:
                    _release(claims[index:])
                    return handled
                notification = rows.get(notification_id)
                if notification is not None:
                    _deliver(notification, attempt, mail)
                    handled += 1
            if len(claims) < batch_size or time.monotonic() - started > lease_seconds:
                break
    finally:
        mail.reset()
    return handled
