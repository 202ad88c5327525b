"""The "My messages" section of the resident's dashboard (see portal/dashboard.py): the newest
in-app messages, how many are unread, and "Mark as read"."""

from __future__ import annotations

from notifications.models import Notification, NotificationChannel
from notifications.selectors import UNREAD_COUNT_LIMIT, InboxSummary, inbox_summary
from portal.dashboard import Section

NEWEST_MESSAGES = 5


def messages(*, user, limit: int) -> InboxSummary:
    """`user`'s `limit` newest in-app messages and their unread count, in one query."""
    return inbox_summary(user=user, limit=limit)


_TABLE = Notification._meta.db_table
# The unread count (bounded, as the summary counts it) and what can change of each of the
# newest messages: its delivery (which fills in the subject and body) and whether it is read.
STAMP = f"""
    SELECT concat(
        (SELECT count(*) FROM (SELECT 1 FROM {_TABLE}
                                WHERE recipient_id = %(user)s
                                  AND channel = '{NotificationChannel.IN_APP}'
                                  AND read_at IS NULL
                                LIMIT {UNREAD_COUNT_LIMIT}) AS unread),
        '|',
        (SELECT string_agg(concat_ws(',', id, status, read_at, updated_at), ';'
                           ORDER BY created_at DESC, id DESC)
           FROM (SELECT id, status, read_at, updated_at, created_at FROM {_TABLE}
                  WHERE recipient_id = %(user)s AND channel = '{NotificationChannel.IN_APP}'
                  ORDER BY created_at DESC, id DESC
                  LIMIT {NEWEST_MESSAGES}) AS newest))
"""  # noqa: S608 (table and channel from the model, limits constants, the person a parameter)


SECTION = Section(
    key="notifications.messages",
    template="notifications/_dashboard_inbox.html",
    read=messages,
    limit=NEWEST_MESSAGES,
    # Last of the sections, above the account settings, as it always was.
    order=900,
    stamp=STAMP,
)
