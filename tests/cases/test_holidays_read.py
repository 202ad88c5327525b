"""The moves read the administrator's holidays once a transaction, and never keep them past
it; every other reader reads them each time, as before."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cases.service_levels import BusinessCalendar, Holiday, business_days_add, closed_days

D = datetime.date


@pytest.fixture(autouse=True)
def _agency_in_california(settings):
    settings.AGENCY_HOLIDAYS_COUNTRY = "US"
    settings.AGENCY_HOLIDAYS_SUBDIVISION = "CA"


def _holiday_reads(queries) -> int:
    return sum('FROM "cases_holiday"' in query["sql"] for query in queries)


def _add(start, days):
    """A business-day count as a move makes it: the read kept for the transaction."""
    return BusinessCalendar(start=start, keep=True).add(start, days)


@pytest.mark.django_db
def test_the_counts_of_many_moves_in_one_transaction_read_the_holidays_once():
    # given
    Holiday.objects.create(date=D(2026, 12, 7), name="Storm closure")

    # when: the counts a few moves make, over different windows
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        answers = [
            _add(D(2026, 12, 4), 1),
            _add(D(2026, 12, 1), 10),
            BusinessCalendar(start=D(2026, 12, 4), keep=True).between(
                D(2026, 12, 4), D(2026, 12, 8)
            ),
            _add(D(2027, 3, 1), 5),
        ]

    # then: the same answers as unkept counts give, from one read
    assert answers == [D(2026, 12, 8), D(2026, 12, 16), 1, D(2027, 3, 8)]
    assert answers[:2] == [
        business_days_add(start=D(2026, 12, 4), days=1),
        business_days_add(start=D(2026, 12, 1), days=10),
    ]
    assert _holiday_reads(queries) == 1


@pytest.mark.django_db
def test_other_readers_still_read_the_holidays_each_time():
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        _add(D(2026, 12, 4), 1)
        closed_days(start=D(2026, 12, 1), end=D(2026, 12, 31))
        business_days_add(start=D(2026, 12, 4), days=1)

    assert _holiday_reads(queries) == 3


@pytest.mark.django_db
def test_a_holiday_added_or_removed_in_the_transaction_counts_at_once():
    with transaction.atomic():
        assert _add(D(2026, 12, 4), 1) == D(2026, 12, 7)

        Holiday.objects.create(date=D(2026, 12, 7), name="Storm closure")
        assert _add(D(2026, 12, 4), 1) == D(2026, 12, 8)

        Holiday.objects.filter(date=D(2026, 12, 7)).delete()
        assert _add(D(2026, 12, 4), 1) == D(2026, 12, 7)


@pytest.mark.django_db
def test_a_savepoint_rolled_back_forgets_what_was_read_in_it():
    with transaction.atomic():
        with transaction.atomic():
            _add(D(2026, 12, 4), 1)
            transaction.set_rollback(True)
        # a row written past the model (no signal), after the savepoint's read was undone
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_holiday (date, name) VALUES (%s, %s)",
                [D(2026, 12, 7), "Storm closure"],
            )

        assert _add(D(2026, 12, 4), 1) == D(2026, 12, 8)


@pytest.mark.django_db(transaction=True)
def test_the_next_transaction_reads_the_holidays_again():
    # given: one transaction counted, and kept what it read
    with transaction.atomic():
        assert _add(D(2026, 12, 4), 1) == D(2026, 12, 7)

    # when: a holiday is written past the model (no signal)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_holiday (date, name) VALUES (%s, %s)",
            [D(2026, 12, 7), "Storm closure"],
        )

    # then: the next transaction, and a count outside any, see it
    with transaction.atomic():
        assert _add(D(2026, 12, 4), 1) == D(2026, 12, 8)
    assert _add(D(2026, 12, 4), 1) == D(2026, 12, 8)
