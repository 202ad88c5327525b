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
