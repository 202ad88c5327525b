"""Migration analytics 0004: the durations and the backlog that 0003 emptied are rebuilt at
deployment where figures had been published; an empty database gets nothing written, and
going back is a no-op."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from portal.analytics import refresh
from portal.analytics.refresh import summaries_refresh
from tests.analytics.migration_data import everything, summaries

EMPTIED = [("analytics", "0003_durations_and_backlog_by_department")]


def _migrate(targets=None):
    """To `targets`, or (None) to the latest migration of every app, as the tests' models."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_after():
    """Whatever happens in the test, leave the database at the latest migration."""
    yield
    _migrate()


def _cases(apps):
    """Roads: one case closed in 2 days and one open for 10 days; Gardens: one open today."""
    Case = apps.get_model("cases", "Case")
    Department = apps.get_model("cases", "Department")
    roads = Department.objects.get_or_create(code="ROADS", defaults={"name": "Roads"})[0]
    gardens = Department.objects.get_or_create(code="GARDENS", defaults={"name": "Gardens"})[0]
    now = timezone.now()

    def case(number, status, department, submitted, closed=None):
        made = Case.objects.create(
            reference=f"PER-2026-{number:06d}", kind="permit", status=status, language="en",
            anonymous=True, submitted_at=submitted, department=department,
        )  # fmt: skip
        Case.objects.filter(pk=made.pk).update(created_at=submitted, closed_at=closed)

    case(1, "withdrawn", roads, now - datetime.timedelta(days=2), closed=now)
    case(2, "in_review", roads, now - datetime.timedelta(days=10))
    case(3, "in_review", gardens, now)
    return roads.pk, gardens.pk


@pytest.mark.django_db(transaction=True)
def test_published_figures_have_their_durations_and_backlog_rebuilt(latest_schema_after):
    # given: a deployment whose figures were refreshed before 0003 emptied two summaries
    old = _migrate(EMPTIED)
    roads, gardens = _cases(old)
    old.get_model("analytics", "SummaryRefresh").objects.create(
        refreshed_at=timezone.now() - datetime.timedelta(hours=1), seconds=1.0
    )
    assert not old.get_model("analytics", "CloseDuration").objects.exists()
    assert not old.get_model("analytics", "BacklogAge").objects.exists()

    # when
    new = _migrate()

    # then: both summaries hold the cases by department, as the refresh task builds them
    durations = new.get_model("analytics", "CloseDuration").objects
    backlog = new.get_model("analytics", "BacklogAge").objects
    assert sorted(durations.values_list("department", "days", "cases")) == [(roads, 2, 1)]
    assert sorted(backlog.values_list("department", "band", "cases")) == sorted(
        [(roads, 1, 1), (gardens, 0, 1)]
    )
    refreshed = new.get_model("analytics", "SummaryRefresh").objects.get()
    assert timezone.now() - refreshed.refreshed_at < datetime.timedelta(minutes=5)


@pytest.mark.django_db(transaction=True)
def test_an_empty_database_gets_nothing_written(latest_schema_after):
    # given: a new database, never refreshed
    _migrate(EMPTIED)

    # when
    new = _migrate()

    # then: the page still says the figures have not been worked out yet
    for model in ("SummaryRefresh", "CaseWeek", "CloseDuration", "BacklogAge"):
        assert not new.get_model("analytics", model).objects.exists(), model


@pytest.mark.django_db(transaction=True)
def test_going_back_keeps_the_rebuilt_rows(latest_schema_after):
    # given: the summaries rebuilt by the migration
    old = _migrate(EMPTIED)
    _cases(old)
    old.get_model("analytics", "SummaryRefresh").objects.create(
        refreshed_at=timezone.now(), seconds=1.0
    )
    _migrate()

    # when
    back = _migrate(EMPTIED)

    # then: nothing undone, nothing failed
    assert back.get_model("analytics", "BacklogAge").objects.count() == 2
    assert back.get_model("analytics", "CloseDuration").objects.count() == 1


SUMMARIES_0004 = (
    "analytics_caseweek",
    "analytics_closeduration",
    "analytics_backlogage",
    "analytics_revenueday",
    "analytics_gatewayattentionday",
    "analytics_messageday",
)
REBUILT = [("analytics", "0004_rebuild_durations_and_backlog")]


def _published(apps):
    apps.get_model("analytics", "SummaryRefresh").objects.create(
        refreshed_at=timezone.now() - datetime.timedelta(hours=1), seconds=1.0
    )


@pytest.mark.django_db(transaction=True)
def test_the_rebuilt_summaries_are_those_the_refresh_task_builds(
    latest_schema_after, make_case, supervisor, resident
):
    # given: cases, money and messages of every kind, figures published before 0003
    old = _migrate(EMPTIED)
    everything(make_case=make_case, supervisor=supervisor, resident=resident)
    _published(old)

    # when
    _migrate(REBUILT)
    rebuilt = summaries(SUMMARIES_0004)

    # then: the same rows as the beat task's refresh gives over the same tables
    _migrate()
    summaries_refresh()
    assert rebuilt == summaries(SUMMARIES_0004)
    assert all(rebuilt.values()), rebuilt


@pytest.mark.django_db(transaction=True)
def test_a_later_change_to_the_refresh_task_does_not_reach_the_migration(
    latest_schema_after, make_case, supervisor, resident, monkeypatch
):
    # given: the refresh task's queries changed since (here: to ones that cannot run)
    old = _migrate(EMPTIED)
    everything(make_case=make_case, supervisor=supervisor, resident=resident)
    _published(old)
    monkeypatch.setattr(
        refresh,
        "_TABLES",
        tuple((table, "SELECT no_such_column FROM cases_case") for table in SUMMARIES_0004),
    )

    # when
    new = _migrate(REBUILT)

    # then: the migration ran its own queries, as of its schema (five open permits and the
    # three reports' cases)
    backlog = new.get_model("analytics", "BacklogAge").objects.values_list("cases", flat=True)
    assert sum(backlog) == 8
