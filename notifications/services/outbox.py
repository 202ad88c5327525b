"""Queue messages: the outbox side of notifications.

`notification_send` only inserts rows, inside the caller's transaction, so a message exists if
and only if the change it announces was committed; the dispatcher sends them afterwards.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from phonenumber_field.phonenumber import PhoneNumber, to_python

from notifications.attachments import Attachment
from notifications.models import Notification, NotificationChannel, NotificationStatus
from notifications.rendering import render

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


def _language_for(user, *, language: str) -> str:
    if not language:
        language = user.preferred_language if user is not None else translation.get_language()
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def _e164(phone) -> str:
    number = to_python(phone)
    if not isinstance(number, PhoneNumber) or not number.is_valid():
        raise ValueError("The guest's phone number is not a valid phone number.")
    return number.as_e164


def _addresses(*, user, email: str, phone: str) -> dict[str, str]:
    """Return the channels the recipient accepts, each with the address it goes to."""
    if user is None:
        accepted = {}
        if email:
            accepted[NotificationChannel.EMAIL] = email.strip()
        if phone:
            accepted[NotificationChannel.SMS] = _e164(phone)
        return accepted
    accepted = {}
    if user.notify_by_email and user.email:
        accepted[NotificationChannel.EMAIL] = user.email
    if user.notify_by_sms and user.phone:
        accepted[NotificationChannel.SMS] = str(user.phone)
    accepted[NotificationChannel.IN_APP] = ""
    return accepted


# The same addressing rules as `_addresses` and the dispatcher's opt-out checks, for a set of
# recipients at once: `bulk_enqueue_sql` is how set-based jobs (the reminder engine) queue
# messages, so no service writes its own version of who gets what. Differences from
# `notification_send`, on purpose: opted-out guest addresses and numbers that replied STOP get
# no row at all (the dispatcher would only skip it), and the hourly guest limit does not apply
# (it guards public forms against being used to mail strangers; these jobs are the agency's).
_BULK_ENQUEUE_SQL = """
INSERT INTO notifications_notification (
    recipient_id, to_address, channel, template_key, context, language, status, attempts,
    last_error, dedupe_key, available_at, provider_message_id, subject, body, link_url,
    created_at, updated_at)
SELECT u.id, c.to_address, c.channel, %(template_key)s, r.context,
       CASE WHEN u.preferred_language = ANY(%(languages)s) THEN u.preferred_language
            WHEN r.guest_language = ANY(%(languages)s) THEN r.guest_language
            ELSE %(default_language)s END,
       'pending', 0, '', r.key || ':' || c.channel, r.available_at, '', '', '', r.link_url,
       statement_timestamp(), statement_timestamp()
  FROM {recipients} AS r
  LEFT JOIN {users} AS u ON u.id = r.account_id
 CROSS JOIN LATERAL (
       VALUES ('email',
               CASE WHEN u.id IS NULL THEN btrim(r.guest_email) ELSE u.email END,
               CASE WHEN u.id IS NULL
                    THEN btrim(r.guest_email) <> ''
                         AND NOT EXISTS (
                             SELECT 1 FROM notifications_emailoptout AS o
                              WHERE lower(o.email) = lower(btrim(r.guest_email))
                                AND o.user_id IS NULL)
                    ELSE u.notify_by_email AND u.email <> '' END),
              ('sms',
               CASE WHEN u.id IS NULL THEN r.guest_phone ELSE u.phone END,
               CASE WHEN u.id IS NULL THEN r.guest_phone <> ''
                    ELSE u.notify_by_sms AND u.phone <> '' END),
              ('in_app', '', u.id IS NOT NULL)
       ) AS c(channel, to_address, wanted)
 WHERE c.wanted
   AND c.channel = ANY(%(channels)s)
   AND (c.channel <> 'sms'
        OR NOT EXISTS (SELECT 1 FROM notifications_smsoptout AS s WHERE s.phone = c.to_address))
    ON CONFLICT (dedupe_key) DO NOTHING
RETURNING channel, dedupe_key
"""


def bulk_enqueue_sql(*, recipients: str) -> str:
    """Return an INSERT that queues one message per recipient of `recipients` and channel.

    `recipients` is a relation (a CTE's name) with the columns `account_id` (bigint or NULL
    for a guest), `guest_email`, `guest_phone` (E.164), `guest_language` (text, never NULL),
    `context` (jsonb), `link_url`, `key` (the dedupe key without its channel) and
    `available_at` (timestamptz). The statement takes the parameters of
    `bulk_enqueue_params` and returns `channel, dedupe_key` of each row it wrote.

    Who gets what, as `notification_send` decides it: an account by its preferences (e-mail
    if `notify_by_email`, SMS if `notify_by_sms` and a phone, the inbox always) in its
    preferred language; a guest at the e-mail address and phone given, in `guest_language`
    (else the site's). Only `channels` are written; a dedupe key already queued is skipped.
    Rows are `pending`, in-app rows too: the dispatcher renders and sends them at
    `available_at`, and the inbox shows in-app rows once sent.
    """
    from django.contrib.auth import get_user_model

    users = get_user_model()._meta.db_table
    return _BULK_ENQUEUE_SQL.format(recipients=recipients, users=users)


def bulk_enqueue_params(*, template_key: str, channels: Iterable[str]) -> dict:
    """Return the parameters `bulk_enqueue_sql`'s statement needs besides the caller's own."""
    channels = list(channels)
    unknown = set(channels) - set(NotificationChannel.values)
    if unknown:
        raise ValueError(f"Unknown notification channel(s): {sorted(unknown)}")
    return {
        "template_key": template_key,
        "channels": channels,
        "languages": [code for code, _name in settings.LANGUAGES],
        "default_language": settings.LANGUAGE_CODE,
    }


GUEST_LIMIT_REASON = "Not sent: over the hourly limit for an unverified guest address"


def _guest_over_limit(*, channel: str, address: str, now) -> bool:
    """Whether a guest `address` nobody has verified has had its messages for this hour.

    Anyone can type any address into a public form, so a form sent again and again must not
    turn the portal into a mailer aimed at a stranger: such an address gets at most
    NOTIFICATIONS_GUEST_MESSAGES_PER_HOUR messages on a channel per hour, whatever queued
    them. An address an account holder verified is theirs and is not limited. The count is
    of rows already written, without a lock: transactions queuing to the same address at the
    same instant may each see the same count (the public forms' own per-visitor limits keep
    that small), which is better than serializing unrelated transactions on an address.
    """
    limit = settings.NOTIFICATIONS_GUEST_MESSAGES_PER_HOUR
    if limit <= 0:
        return False
    if (
        channel == NotificationChannel.EMAIL
        and EmailAddress.objects.filter(email__iexact=address, verified=True).exists()
    ):
        return False
    recent = (
        Notification.objects.annotate(address=Lower("to_address"))
        .filter(
            recipient__isnull=True,
            channel=channel,
            address=address.lower(),
            created_at__gte=now - timedelta(hours=1),
        )
        .exclude(status=NotificationStatus.SKIPPED)
    )
    return recent.count() >= limit


def schedule_dispatch() -> None:
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
    language: str = "",
    attachments: Iterable[Attachment] = (),
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
    `attachments` (`notifications.attachments.Attachment`) go with the e-mail only.

    A guest address no account holder verified gets at most
    settings.NOTIFICATIONS_GUEST_MESSAGES_PER_HOUR rows per channel an hour: past that, the
    row is written `skipped` with the reason in `last_error`, and never sent.

    Raises TypeError if `context` is not JSON-serializable, ValueError for an unknown channel
    or a guest phone number that is not valid, and TemplateDoesNotExist if an in-app message
    has no template.
    """
    _check_json(context)
    stored = [attachment.as_json() for attachment in attachments]
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

    language = _language_for(user, language=language)
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
            attachments=stored if channel == NotificationChannel.EMAIL else [],
        )
        if channel == NotificationChannel.IN_APP:
            rendered = render(row)
            row.subject, row.body = rendered.subject, rendered.body
            row.status, row.sent_at = NotificationStatus.SENT, now
        rows.append(row)

    keys = [row.dedupe_key for row in rows]
    if user is None:
        already = set(
            Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
        )
        for row in rows:
            if row.dedupe_key not in already and _guest_over_limit(
                channel=row.channel, address=row.to_address, now=now
            ):
                # Recorded, never sent and never retried: the dispatcher takes only pending
                # rows.
                row.status, row.last_error = NotificationStatus.SKIPPED, GUEST_LIMIT_REASON
                logger.warning("Notification %s not queued: guest limit", row.dedupe_key)
    inserted = _insert_new(rows)
    existing = {row.dedupe_key: row for row in rows if row.dedupe_key in inserted}
    if len(existing) < len(rows):
        # Sent before with these keys (a retry): the rows already there are the answer.
        existing.update(
            (n.dedupe_key, n)
            for n in Notification.objects.filter(dedupe_key__in=keys).exclude(
                dedupe_key__in=list(existing)
            )
        )
    if any(
        row.channel != NotificationChannel.IN_APP
        and existing[row.dedupe_key].status == NotificationStatus.PENDING
        for row in rows
    ):
        schedule_dispatch()
    return [existing[key] for key in keys]


def _insert_new(rows: list[Notification]) -> dict[str, int]:
    """Insert every row whose dedupe key is new, in one statement (`INSERT … ON CONFLICT
    (dedupe_key) DO NOTHING RETURNING`), and mark those rows saved; return their ids by key.

    One statement is atomic by itself: a caller's transaction needs no savepoint around it,
    and a key another transaction is inserting waits for that one to end.
    """
    meta = Notification._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    values, params = [], []
    for row in rows:
        values.append("(" + ", ".join(["%s"] * len(fields)) + ")")
        params.extend(
            field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in fields
        )
    quote = connection.ops.quote_name
    # Only the model's own table and column names are spliced in; every value is a parameter.
    table, key = quote(meta.db_table), quote(meta.get_field("dedupe_key").column)
    columns = ", ".join(quote(field.column) for field in fields)
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"VALUES {', '.join(values)} "
        f"ON CONFLICT ({key}) DO NOTHING RETURNING {quote(meta.pk.column)}, {key}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {dedupe: pk for pk, dedupe in cursor.fetchall()}
    for row in rows:
        if row.dedupe_key in inserted:
            row.pk = inserted[row.dedupe_key]
            row._state.adding, row._state.db = False, connection.alias
    return inserted


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
            schedule_dispatch()
    return count


WITHDRAWN_REASON = "Not sent: withdrawn, no longer due"


def notifications_withdraw(*, template_key: str, context_key: str, values: Iterable) -> int:
    """Withdraw the messages of `template_key` still waiting to be sent whose context's
    `context_key` is one of `values` (e.g. the reminders of instalments paid since they were
    queued): they become `skipped`, with the reason, and are never sent. Messages being sent
    or sent already are left alone. Returns how many were withdrawn."""
    values = list(values)
    if not values:
        return 0
    with transaction.atomic():
        return Notification.objects.filter(
            template_key=template_key,
            status=NotificationStatus.PENDING,
            **{f"context__{context_key}__in": values},
        ).update(
            status=NotificationStatus.SKIPPED,
            last_error=WITHDRAWN_REASON,
            updated_at=timezone.now(),
        )
