from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from notifications.selectors import inbox_for, unread_count
from tests.accounts.factories import UserFactory
from tests.notifications.factories import InAppNotificationFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def test_inbox_holds_only_the_users_in_app_messages_newest_first():
    # given
    user = UserFactory()
    older = InAppNotificationFactory(recipient=user)
    newer = InAppNotificationFactory(recipient=user)
    InAppNotificationFactory()  # someone else's
    NotificationFactory(recipient=user)  # the e-mail copy is not in the inbox
    older_time = timezone.now() - timedelta(days=1)
    type(older).objects.filter(pk=older.pk).update(created_at=older_time)

    # when
    inbox = list(inbox_for(user=user))

    # then
    assert inbox == [newer, older]


def test_inbox_of_an_anonymous_visitor_is_empty():
    # given
    InAppNotificationFactory()

    # when / then
    assert list(inbox_for(user=AnonymousUser())) == []


def test_unread_count_counts_unread_in_app_messages():
    # given
    user = UserFactory()
    InAppNotificationFactory.create_batch(2, recipient=user)
    InAppNotificationFactory(recipient=user, read_at=timezone.now())
    NotificationFactory(recipient=user)

    # when / then
    assert unread_count(user=user) == 2
