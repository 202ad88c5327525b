"""Renewal reminders: the daily job that queues them, set-based.

One statement does the whole rule, whatever the number of licenses, and returns only counts:
nothing is read into Python. It selects every active license whose expiry is one of its
type's reminder offsets away, and inserts, in the same statement, the Notification rows
(e-mail; SMS where the holder's account opted in with a phone; the in-app inbox for account
holders) and the reminder entry of the license's timeline. Every row has a unique key
(`ON CONFLICT DO NOTHING`), so a second run, or two workers at once, queue nothing twice. The
notifications dispatcher sends the rows afterwards and honors opt-outs at sending time.

Catching up: the offset a license is due for is the nearest one already reached (expiry
within that many days) and reached at most `LICENSING_REMINDER_CATCH_UP_DAYS` ago. A job
that did not run for several days therefore sends, per license, the one reminder that is
still current, never the ones it missed for offsets passed earlier (a "90 days left" message
when 30 are left would be wrong), and never one reached so long ago that it is stale.

A license without an account gets the e-mail with a signed, expiring link that opens its
renewal without signing in; the link is signed when the message is rendered
(`licensing.renewal_links`), so the row itself holds no credential.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from licensing.fees import agency_today

logger = logging.getLogger(__name__)

TEMPLATE_KEY = "licensing/renewal_reminder"

_REMINDER_SQL = """
WITH due AS (
    SELECT l.id AS license_id,
           l.number,
           l.holder_id,
           l.holder_name,
           l.holder_email,
           l.expires_on,
           o.offset_days,
           t.name AS type_name
      FROM licensing_licensetype AS t
     CROSS JOIN LATERAL unnest(t.reminder_offsets) AS o(offset_days)
      JOIN licensing_license AS l
        ON l.license_type_id = t.id
       AND l.status = 'active'
       AND l.expires_on > %(today)s
       AND l.expires_on <= %(today)s + o.offset_days
       AND l.expires_on > %(today)s + o.offset_days - %(catch_up)s
     WHERE NOT EXISTS (
               -- A nearer offset is reached too: that one is the current reminder.
               SELECT 1
                 FROM unnest(t.reminder_offsets) AS nearer(days)
                WHERE nearer.days < o.offset_days
                  AND l.expires_on <= %(today)s + nearer.days)
       AND NOT EXISTS (
               -- Queued already (its timeline entry is written with the messages): skip it
               -- here, by the entry's unique index, rather than build its rows only for the
               -- notifications' ON CONFLICT to drop them. Most licenses in the catch-up
               -- window were reminded on an earlier day, so this keeps a daily run to the new
               -- ones; ON CONFLICT still settles two runs at once.
               SELECT 1
                 FROM licensing_licenseevent AS e
                WHERE e.license_id = l.id
                  AND e.kind = 'reminder'
                  AND e.expires_on = l.expires_on
                  AND e.offset_days = o.offset_days)
       AND NOT EXISTS (
               -- Renewed and paid already, waiting for the clerk: no reminder to renew.
               SELECT 1
                 FROM licensing_application AS a
                 JOIN cases_case AS c ON c.id = a.case_id
                WHERE a.renews_id = l.id
                  AND a.paid_at IS NOT NULL
                  AND c.status IN ('submitted', 'in_review', 'awaiting_info'))
),
recipients AS (
    SELECT d.*,
           u.id AS user_id,
           u.email AS user_email,
           u.notify_by_email,
           u.notify_by_sms,
           u.phone AS user_phone,
           COALESCE(NULLIF(u.preferred_language, ''), %(language)s) AS language,
           jsonb_build_object(
               'license_id', d.license_id,
               'license_number', d.number,
               'license_type', d.type_name,
               'holder_name', d.holder_name,
               'expires_on', to_char(d.expires_on, 'YYYY-MM-DD'),
               'days', d.offset_days,
               'guest', u.id IS NULL
           ) AS context,
           CASE WHEN u.id IS NULL THEN ''
                ELSE %(site_url)s || %(license_path_start)s || d.number || %(license_path_end)s
           END AS link_url,
           'licensing:reminder:' || d.license_id || ':' || to_char(d.expires_on, 'YYYY-MM-DD')
               || ':' || d.offset_days AS key
      FROM due AS d
      LEFT JOIN accounts_user AS u ON u.id = d.holder_id
),
queued AS (
    INSERT INTO notifications_notification (
        recipient_id, to_address, channel, template_key, context, language, status,
        attempts, last_error, dedupe_key, available_at, provider_message_id, subject, body,
        link_url, created_at, updated_at)
    SELECT r.user_id, c.to_address, c.channel, %(template_key)s, r.context, r.language,
           'pending', 0, '', r.key || ':' || c.channel, statement_timestamp(), '', '', '',
           r.link_url, statement_timestamp(), statement_timestamp()
      FROM recipients AS r
     CROSS JOIN LATERAL (
           VALUES ('email',
                   CASE WHEN r.user_id IS NULL THEN r.holder_email ELSE r.user_email END,
                   CASE WHEN r.user_id IS NULL THEN r.holder_email <> ''
                        ELSE r.notify_by_email AND r.user_email <> '' END),
                  ('sms', r.user_phone,
                   r.user_id IS NOT NULL AND r.notify_by_sms AND r.user_phone <> ''),
                  ('in_app', '', r.user_id IS NOT NULL)
           ) AS c(channel, to_address, wanted)
     WHERE c.wanted
        ON CONFLICT (dedupe_key) DO NOTHING
 RETURNING channel,
           (context ->> 'license_id')::bigint AS license_id,
           (context ->> 'expires_on')::date AS expires_on,
           (context ->> 'days')::integer AS offset_days
),
logged AS (
    INSERT INTO licensing_licenseevent (license_id, kind, expires_on, offset_days, created_at)
    SELECT DISTINCT license_id, 'reminder', expires_on, offset_days, statement_timestamp()
      FROM queued
        ON CONFLICT DO NOTHING
 RETURNING 1
)
SELECT (SELECT count(*) FROM queued WHERE channel = 'email'),
       (SELECT count(*) FROM queued WHERE channel = 'sms'),
       (SELECT count(*) FROM queued WHERE channel = 'in_app'),
       (SELECT count(*) FROM logged)
"""


@dataclass(frozen=True)
class RemindersOutcome:
    emails: int
    sms: int
    in_app: int
    timeline: int

    @property
    def total(self) -> int:
        return self.emails + self.sms + self.in_app + self.timeline


def _schedule_dispatch() -> None:
    from notifications.tasks import dispatch_pending

    def enqueue() -> None:
        # Beat runs the dispatcher every few seconds anyway: a broker hiccup only delays.
        try:
            dispatch_pending.delay()
        except Exception:
            logger.warning("Could not enqueue the notification dispatcher; beat will run it.")

    transaction.on_commit(enqueue)


def reminders_queue(*, today: datetime.date | None = None) -> RemindersOutcome:
    """Queue the renewal reminders due on `today` (the agency's date by default).

    Returns how many rows were written per channel and on the timelines; a second run the
    same day returns zeros.
    """
    today = today or agency_today()
    marker = "LICENSE-NUMBER"
    start, end = reverse("licensing:license", kwargs={"number": marker}).split(marker)
    params = {
        "today": today,
        "catch_up": settings.LICENSING_REMINDER_CATCH_UP_DAYS,
        "language": settings.LANGUAGE_CODE,
        "site_url": settings.SITE_URL,
        "license_path_start": start,
        "license_path_end": end,
        "template_key": TEMPLATE_KEY,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_REMINDER_SQL, params)
        outcome = RemindersOutcome(*cursor.fetchone())
        if outcome.emails or outcome.sms:
            _schedule_dispatch()
    logger.info(
        "Renewal reminders for %s: %s e-mail, %s SMS, %s in-app",
        today,
        outcome.emails,
        outcome.sms,
        outcome.in_app,
    )
    return outcome
