"""The outbox table's indexes: each one a query reads, since every insert pays for each."""

import pytest
from django.db import IntegrityError, connection, transaction

from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_a_dedupe_key_is_taken_once():
    # given
    NotificationFactory(dedupe_key="reminder:1:42:2026-12-21")

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationFactory(dedupe_key="reminder:1:42:2026-12-21")


def test_the_dedupe_key_has_no_prefix_search_index():
    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'notifications_notification' "
            "AND indexdef LIKE %s",
            ["%varchar_pattern_ops%"],
        )
        pattern_indexes = [row[0] for row in cursor.fetchall()]

    # then
    assert pattern_indexes == []


def test_an_occurrence_is_indexed_once_by_its_rule():
    # The unique (rule, row, due date) index serves lookups by rule; the rule needs no other.
    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes "
            "WHERE tablename = 'notifications_reminderoccurrence' ORDER BY indexname"
        )
        definitions = [row[0] for row in cursor.fetchall()]

    # then
    assert len(definitions) == 2
    assert "UNIQUE INDEX notif_reminder_once" in definitions[0]
    assert "(rule_id, object_id, due_on)" in definitions[0]
    assert "_pkey" in definitions[1]
