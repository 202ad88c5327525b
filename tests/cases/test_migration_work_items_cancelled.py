"""Migration cases 0017: work items left open on a case that had ended (a permit withdrawn
or cancelled while in review) are closed as cancelled; every other item is left as it was."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("cases", "0016_workbench_queue")]


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


@pytest.mark.django_db(transaction=True)
def test_open_items_of_ended_cases_are_cancelled(latest_schema_after):
    # given: a withdrawn case with one review open and one decided, and a case in review
    old = _migrate(BEFORE)
    Case = old.get_model("cases", "Case")
    Department = old.get_model("cases", "Department")
    WorkItem = old.get_model("cases", "WorkItem")
    opened = timezone.now() - datetime.timedelta(days=3)
    zoning = Department.objects.get_or_create(code="ZONING", defaults={"name": "Zoning"})[0]
    fire = Department.objects.get_or_create(code="FIRE", defaults={"name": "Fire"})[0]
    withdrawn = Case.objects.create(
        reference="PER-2026-000001", kind="permit", status="withdrawn", language="en",
        anonymous=True, submitted_at=opened,
    )  # fmt: skip
    Case.objects.filter(pk=withdrawn.pk).update(closed_at=timezone.now())
    reviewing = Case.objects.create(
        reference="PER-2026-000002", kind="permit", status="in_review", language="en",
        anonymous=True, submitted_at=opened,
    )  # fmt: skip

    def item(case, department, **closed):
        return WorkItem.objects.create(
            case=case, department=department, title="Plan review", opened_at=opened, **closed
        ).pk

    left_open = item(withdrawn, zoning)
    decided = item(withdrawn, fire, outcome="approved", closed_at=opened, note="Fine")
    still_reviewed = item(reviewing, zoning)

    # when
    new = _migrate()

    # then
    rows = dict(
        new.get_model("cases", "WorkItem").objects.values_list("pk", "outcome").order_by("pk")
    )
    assert rows == {left_open: "cancelled", decided: "approved", still_reviewed: ""}
