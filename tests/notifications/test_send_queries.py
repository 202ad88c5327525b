"""`notification_send` writes its rows in one statement: the rows it returns are the rows
stored, a key sent before is answered from the table, and a new message costs one query."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification, NotificationStatus
from notifications.services import notification_send
from tests.accounts.factories import UserFactory
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db

FIELDS = [field.attname for field in Notification._meta.concrete_fields]


def send(**kwargs):
    defaults = {"template_key": "tests/greeting", "context": {"topic": "your permit"}}
    return notification_send(**{**defaults, **kwargs})


def _as_stored(rows) -> list[dict]:
    return [{name: getattr(row, name) for name in FIELDS} for row in rows]


def test_a_new_message_to_a_user_is_one_query_in_the_callers_transaction():
    # given: a user who takes e-mail, texts and the inbox
    user = UserFactory(notify_by_sms=True, phone="+12025550143")

    # when
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows = send(dedupe_key="permit-1:issued", user=user)

    # then: three rows written by one INSERT … ON CONFLICT DO NOTHING, no savepoint and no
    # look-up before it
    assert [row.channel for row in rows] == ["email", "sms", "in_app"]
    assert len(queries) == 1, [query["sql"][:80] for query in queries]
    assert queries[0]["sql"].startswith("INSERT INTO")
    assert "ON CONFLICT" in queries[0]["sql"]


def test_the_rows_returned_are_the_rows_stored():
    # given
    user = UserFactory()

    # when
    rows = send(dedupe_key="permit-2:issued", user=user, link_url="https://example.org/p/2")

    # then: saved instances, equal field by field to a fresh read
    stored = Notification.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
    assert all(row.pk and not row._state.adding for row in rows)
    assert _as_stored(rows) == _as_stored(stored)
    assert rows[1].status == NotificationStatus.SENT and rows[1].body


def test_a_key_sent_before_costs_the_insert_and_one_read_and_returns_the_first_rows():
    # given
    user = UserFactory()
    first = send(dedupe_key="permit-3:issued", user=user)

    # when
    with CaptureQueriesContext(connection) as queries:
        second = send(dedupe_key="permit-3:issued", user=user, context={"topic": "changed"})

    # then
    assert len(queries) == 2
    assert _as_stored(second) == _as_stored(first)
    assert Notification.objects.count() == 2


def test_a_channel_added_since_is_written_and_the_others_come_back_as_they_were():
    # given: sent by e-mail and inbox; then the user turns on texts
    user = UserFactory()
    first = send(dedupe_key="permit-4:issued", user=user)
    user.notify_by_sms, user.phone = True, "+12025550143"
    user.save()

    # when
    rows = send(dedupe_key="permit-4:issued", user=user)

    # then: the text is new, e-mail and inbox are the first rows
    assert [row.channel for row in rows] == ["email", "sms", "in_app"]
    assert [rows[0].pk, rows[2].pk] == [first[0].pk, first[1].pk]
    assert rows[1].pk not in {row.pk for row in first}
    assert Notification.objects.count() == 3


def test_a_guest_message_keeps_its_hourly_limit_checks(settings):
    # given
    settings.NOTIFICATIONS_GUEST_MESSAGES_PER_HOUR = 1
    send(dedupe_key="guest-1", email="pat@example.net")

    # when: a second message to the address within the hour, then the first again
    [over] = send(dedupe_key="guest-2", email="pat@example.net")
    [again] = send(dedupe_key="guest-1", email="pat@example.net")

    # then: the second is recorded skipped, the first comes back as it was
    assert over.status == NotificationStatus.SKIPPED
    assert again.status == NotificationStatus.PENDING
    assert Notification.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_at_once_writes_one_row_a_channel_and_both_get_it():
    # given
    user = UserFactory()
    answers = {}

    def work(i):
        with transaction.atomic():
            answers[i] = [row.pk for row in send(dedupe_key="permit-5:issued", user=user)]

    # when
    run_together(2, work)

    # then
    assert Notification.objects.filter(dedupe_key__startswith="permit-5:").count() == 2
    assert answers[0] == answers[1]
