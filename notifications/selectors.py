from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from notifications.models import Notification, NotificationChannel, NotificationStatus
from portal import sql

# How far the unread count of an inbox summary counts: past it, the summary says "more
# than" rather than reading every unread message of a person who never reads them.
UNREAD_COUNT_LIMIT = 100

# What a message of the inbox list shows (notifications/_inbox.html), and what its cached
# copy is keyed by.
INBOX_FIELDS = (
    "id", "recipient_id", "channel", "status", "subject", "body", "link_url", "created_at",
    "read_at", "updated_at",
)  # fmt: skip


def inbox_for(*, user) -> QuerySet[Notification]:
    """Return `user`'s in-app messages, newest first; nothing for an anonymous visitor.

    Only messages delivered: an in-app row queued in bulk (a reminder) waits `pending`, not
    rendered yet, until its send-at time, and is not in the inbox before then.
    """
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(
        recipient=user, channel=NotificationChannel.IN_APP, status=NotificationStatus.SENT
    ).order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    """Return how many of `user`'s in-app messages they have not read yet."""
    return inbox_for(user=user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class InboxSummary:
    messages: list[Notification]  # the newest in-app messages, newest first
    unread: int  # how many are unread, counted up to UNREAD_COUNT_LIMIT
    unread_beyond_limit: bool  # at least UNREAD_COUNT_LIMIT are unread

    @property
    def unread_shown(self) -> int:
        """The count to print: the exact count, or one less than the limit ("more than 99")."""
        return UNREAD_COUNT_LIMIT - 1 if self.unread_beyond_limit else self.unread


_INBOX_COLUMNS = sql.columns(Notification, INBOX_FIELDS)
_ID_AT = [field.attname for field in _INBOX_COLUMNS].index("id")
_TABLE = Notification._meta.db_table
# One round trip: the unread count, bounded, and beside it the newest messages (none: one
# row of NULLs), of delivered messages only (see `inbox_for`). Both read partial indexes of
# in-app rows (notif_unread_idx, notif_inbox_idx).
_INBOX_SUMMARY_SQL = f"""
    SELECT {sql.select_list(_INBOX_COLUMNS, alias="m")}, unread.n
      FROM (SELECT count(*) AS n
              FROM (SELECT 1 FROM {_TABLE}
                     WHERE recipient_id = %(user)s AND channel = %(channel)s
                       AND read_at IS NULL AND status = %(sent)s
                     LIMIT %(count_limit)s) AS counted) AS unread
      LEFT JOIN LATERAL (
            SELECT * FROM {_TABLE}
             WHERE recipient_id = %(user)s AND channel = %(channel)s
               AND status = %(sent)s
             ORDER BY created_at DESC, id DESC
             LIMIT %(limit)s) AS m ON TRUE
"""  # noqa: S608 (table and columns come from the model, values are parameters)


def inbox_summary(*, user, limit: int) -> InboxSummary:
    """`user`'s `limit` newest in-app messages and how many of all of them are unread, in
    one plain-SQL read (see portal/sql.py): for the dashboard, the busiest signed-in page.
    Only INBOX_FIELDS are read; another field of a message costs a query on access."""
    if user is None or not user.is_authenticated:
        return InboxSummary(messages=[], unread=0, unread_beyond_limit=False)
    params = {
        "user": user.pk,
        "channel": NotificationChannel.IN_APP,
        "sent": NotificationStatus.SENT,
        "count_limit": UNREAD_COUNT_LIMIT,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(_INBOX_SUMMARY_SQL, params)
        rows = cursor.fetchall()
    unread = rows[0][-1]
    found = [row for row in rows if row[_ID_AT] is not None]
    messages = sql.instances(Notification, _INBOX_COLUMNS, found)
    return InboxSummary(
        messages=messages, unread=unread, unread_beyond_limit=unread >= UNREAD_COUNT_LIMIT
    )
