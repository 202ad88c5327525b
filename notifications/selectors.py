from django.db.models import QuerySet

from notifications.models import Notification, NotificationChannel


def inbox_for(*, user) -> QuerySet[Notification]:
    """Return `user`'s in-app messages, newest first; nothing for an anonymous visitor."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP).order_by(
        "-created_at", "-id"
    )


def unread_count(*, user) -> int:
    """Return how many of `user`'s in-app messages they have not read yet."""
    return inbox_for(user=user).filter(read_at__isnull=True).count()
