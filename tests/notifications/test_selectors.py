from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from notifications.selectors import INBOX_FIELDS, inbox_for, inbox_summary, unread_count
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


def test_inbox_summary_holds_the_newest_in_app_messages_and_the_unread_count():
    # given
    user = UserFactory()
    messages = InAppNotificationFactory.create_batch(4, recipient=user)
    read = InAppNotificationFactory(recipient=user, read_at=timezone.now())
    InAppNotificationFactory()  # someone else's
    NotificationFactory(recipient=user)  # the e-mail copy is not in the inbox

    # when
    summary = inbox_summary(user=user, limit=3)

    # then: the same messages, fields and order as the inbox's queryset
    expected = list(inbox_for(user=user)[:3])
    assert summary.messages == expected
    for got, want in zip(summary.messages, expected, strict=True):
        for name in INBOX_FIELDS:
            assert getattr(got, name) == getattr(want, name), name
    assert summary.messages == [read, messages[3], messages[2]]
    assert (summary.unread, summary.unread_beyond_limit, summary.unread_shown) == (4, False, 4)


def test_inbox_summary_of_an_empty_inbox_or_an_anonymous_visitor():
    # given
    user = UserFactory()
    NotificationFactory(recipient=user)

    # when / then
    for person in (user, AnonymousUser()):
        summary = inbox_summary(user=person, limit=5)
        assert (summary.messages, summary.unread, summary.unread_beyond_limit) == ([], 0, False)


def test_inbox_summary_stops_counting_unread_messages_at_the_limit(monkeypatch):
    # given: a limit of 3 and 3 or 4 unread messages
    monkeypatch.setattr("notifications.selectors.UNREAD_COUNT_LIMIT", 3)
    user = UserFactory()
    InAppNotificationFactory.create_batch(2, recipient=user)
    assert inbox_summary(user=user, limit=1).unread_beyond_limit is False
    InAppNotificationFactory(recipient=user)
    at_limit = inbox_summary(user=user, limit=1)
    InAppNotificationFactory(recipient=user)

    # when
    beyond = inbox_summary(user=user, limit=1)

    # then: both say "more than 2"
    for summary in (at_limit, beyond):
        assert (summary.unread, summary.unread_beyond_limit, summary.unread_shown) == (3, True, 2)
    assert len(beyond.messages) == 1
