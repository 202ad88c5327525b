"""Reads of the site shell, each scoped to the signed-in person."""

from __future__ import annotations

from notifications.selectors import inbox_for, unread_count

# What notifications/_inbox.html shows of a message, and what its cached copy is keyed by.
INBOX_FIELDS = (
    "id", "recipient", "channel", "status", "subject", "body", "link_url", "created_at",
    "read_at", "updated_at",
)  # fmt: skip


def dashboard_inbox(*, user, limit: int) -> tuple[list, int]:
    """Return `user`'s `limit` newest in-app messages and how many of all of them are unread.

    Only the fields the inbox shows are read (the dashboard is the portal's busiest signed-in
    page): another would cost a query per message.
    """
    messages = list(inbox_for(user=user).only(*INBOX_FIELDS)[:limit])
    return messages, (unread_count(user=user) if messages else 0)
