"""Migration analytics 0005: the map's summary is filled at deployment where figures had
been published (the map reads it from then on); an empty database gets nothing written."""

from decimal import Decimal

import pytest
from django.utils import timezone

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
