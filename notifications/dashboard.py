"""The "My messages" section of the resident's dashboard (see portal/dashboard.py): the newest
in-app messages, how many are unread, and "Mark as read"."""

from __future__ import annotations

from notifications.selectors import InboxSummary, inbox_summary
from portal.dashboard import Section

NEWEST_MESSAGES = 5


def messages(*, user, limit: int) -> InboxSummary:
    """`user`'s `limit` newest in-app messages and their unread count, in one query."""
    return inbox_summary(user=user, limit=limit)


SECTION = Section(
    key="notifications.messages",
    template="notifications/_dashboard_inbox.html",
    read=messages,
    limit=NEWEST_MESSAGES,
    # Last of the sections, above the account settings, as it always was.
    order=900,
)
