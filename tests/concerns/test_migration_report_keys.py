"""Migrations concerns 0012 and 0013: the form keys recorded on concern reports become rows of
the shared `cases.SubmissionKey` table, of the report's own case and dated when it was made,
and the report's own column goes; the same form sent again still makes nothing."""

import datetime
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases.models import SubmissionKey
from concerns import services
from concerns.models import ConcernReport
from tests.concerns.factories import CategoryFactory, make_report

BEFORE = [("concerns", "0011_report_map_cells_index")]


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_after():
    yield
    _migrate()


def _columns() -> list[str]:
    with connection.cursor() as cursor:
        table = connection.introspection.get_table_description(cursor, ConcernReport._meta.db_table)
    return [column.name for column in table]


@pytest.mark.django_db(transaction=True)
def test_report_keys_move_to_the_shared_table(latest_schema_after):
    # given: two reports made before, one with its form's key
    category = CategoryFactory()
    keyed, unkeyed = make_report(category=category), make_report(category=category)
    made_at = timezone.now() - datetime.timedelta(days=3)
    key = uuid.uuid4()
    old = _migrate(BEFORE)
    OldReport = old.get_model("concerns", "ConcernReport")
    OldReport.objects.filter(pk__in=[keyed.pk, unkeyed.pk]).update(requested_at=made_at)
    OldReport.objects.filter(pk=keyed.pk).update(submission=key)

    # when
    _migrate()

    # then: one row, the keyed report's case's, dated when it was made; no column
    rows = list(SubmissionKey.objects.all())
    assert [(row.key, row.case_id) for row in rows] == [(key, keyed.case_id)]
    assert rows[0].created_at == made_at
    assert "submission" not in _columns()

    # and the same form sent again makes nothing: it ends on the report it made
    again = services.report_submit(
        category=category,
        description="A deep pothole.",
        address="1 Main Street",
        submission=key,
    )
    assert again.pk == keyed.pk
    assert ConcernReport.objects.count() == 2

    # and backwards, with field results' keys claimed since on both cases, only the form's
    # key goes back into the report's column
    for report in (keyed, unkeyed):
        SubmissionKey.objects.create(key=uuid.uuid4(), case_id=report.case_id)
    old = _migrate(BEFORE)
    OldReport = old.get_model("concerns", "ConcernReport")
    assert OldReport.objects.get(pk=keyed.pk).submission == key
    assert OldReport.objects.get(pk=unkeyed.pk).submission is None
