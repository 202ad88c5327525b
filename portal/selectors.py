"""Reads of the site shell, each scoped to the signed-in person."""

from __future__ import annotations

from django.db.models import Count, IntegerField, Subquery

from notifications.selectors import inbox_for

# What notifications/_inbox.html shows of a message, and what its cached copy is keyed by.
INBOX_FIELDS = (
    "id", "recipient", "channel", "status", "subject", "body", "link_url", "created_at",
    "read_at", "updated_at",
)  # fmt: skip


def dashboard_inbox(*, user, limit: int) -> tuple[list, int]:
    """Return `user`'s `limit` newest in-app messages and how many of all of them are unread.

    One query (the dashboard is the portal's busiest signed-in page): the unread count rides
    along as a subquery the database evaluates once. No messages means none unread. Only the
    fields the inbox shows are read: another would cost a query per message.
    """
    unread = (
        inbox_for(user=user)
        .filter(read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(total=Count("pk"))
        .values("total")
    )
    newest = (
        inbox_for(user=user)
        .only(*INBOX_FIELDS)
        .annotate(unread_total=Subquery(unread, output_field=IntegerField()))
    )
    messages = list(newest[:limit])
    return messages, ((messages[0].unread_total or 0) if messages else 0)
