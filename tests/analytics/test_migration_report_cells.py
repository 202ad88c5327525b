"""Migration analytics 0005: the map's summary is filled at deployment where figures had
been published (the map reads it from then on); an empty database gets nothing written."""

from decimal import Decimal

import pytest
from django.utils import timezone

from portal.analytics import refresh
from portal.analytics.refresh import summaries_refresh
from tests.analytics.migration_data import everything, summaries
from tests.analytics.test_migration_rebuild_summaries import _migrate
from tests.concerns.factories import CategoryFactory, make_report

BEFORE = [("analytics", "0004_rebuild_durations_and_backlog")]


@pytest.fixture
def latest_schema_after():
    """Whatever happens in the test, leave the database at the latest migration."""
    yield
    _migrate()


@pytest.mark.django_db(transaction=True)
def test_published_figures_get_the_map_summary_filled(latest_schema_after):
    # given: a deployment whose figures were refreshed before the map had a summary
    old = _migrate(BEFORE)
    report = make_report(
        category=CategoryFactory(name="Pothole"),
        latitude=Decimal("39.798700"),
        longitude=Decimal("-89.654300"),
    )
    old.get_model("analytics", "SummaryRefresh").objects.create(
        refreshed_at=timezone.now(), seconds=1.0
    )

    # when
    new = _migrate()

    # then: the report's square, as the refresh task builds it
    cells = new.get_model("analytics", "ReportCellWeek").objects
    assert list(cells.values_list("category", "latitude", "longitude", "reports")) == [
        (report.category_id, Decimal("39.795000"), Decimal("-89.655000"), 1)
    ]


@pytest.mark.django_db(transaction=True)
def test_an_empty_database_gets_nothing_written(latest_schema_after):
    # given: reports, but figures never published
    _migrate(BEFORE)
    make_report(
        category=CategoryFactory(name="Pothole"),
        latitude=Decimal("39.798700"),
        longitude=Decimal("-89.654300"),
    )

    # when
    new = _migrate()

    # then: the page keeps saying the figures have not been worked out yet
    assert not new.get_model("analytics", "SummaryRefresh").objects.exists()
    assert not new.get_model("analytics", "ReportCellWeek").objects.exists()


SUMMARIES_0005 = (
    "analytics_caseweek",
    "analytics_closeduration",
    "analytics_backlogage",
    "analytics_revenueday",
    "analytics_gatewayattentionday",
    "analytics_messageday",
    "analytics_reportcellweek",
)
FILLED = [("analytics", "0005_report_cells_by_week")]


@pytest.mark.django_db(transaction=True)
def test_the_summaries_are_those_the_refresh_task_builds(
    latest_schema_after, make_case, supervisor, resident
):
    # given: cases, money, messages and reports, figures published before the map's summary
    old = _migrate(BEFORE)
    everything(make_case=make_case, supervisor=supervisor, resident=resident)
    old.get_model("analytics", "SummaryRefresh").objects.create(
        refreshed_at=timezone.now(), seconds=1.0
    )

    # when
    _migrate(FILLED)
    filled = summaries(SUMMARIES_0005)

    # then: the same rows as the beat task's refresh gives over the same tables
    _migrate()
    summaries_refresh()
    assert filled == summaries(SUMMARIES_0005)
    assert all(filled.values()), filled


@pytest.mark.django_db(transaction=True)
def test_a_later_change_to_the_refresh_task_does_not_reach_the_migration(
    latest_schema_after, monkeypatch
):
    # given: a report, figures published, and the refresh task's queries changed since
    old = _migrate(BEFORE)
    make_report(
        category=CategoryFactory(name="Pothole"),
        latitude=Decimal("39.798700"),
        longitude=Decimal("-89.654300"),
    )
    old.get_model("analytics", "SummaryRefresh").objects.create(
        refreshed_at=timezone.now(), seconds=1.0
    )
    monkeypatch.setattr(
        refresh,
        "_TABLES",
        tuple((table, "SELECT no_such_column FROM cases_case") for table in SUMMARIES_0005),
    )

    # when
    new = _migrate(FILLED)

    # then: the migration ran its own queries, as of its schema
    cells = new.get_model("analytics", "ReportCellWeek").objects
    assert list(cells.values_list("latitude", "longitude", "reports")) == [
        (Decimal("39.795000"), Decimal("-89.655000"), 1)
    ]
