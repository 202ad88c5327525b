"""Migrations permits 0011 and 0012: the result keys recorded on inspections become rows of
the shared `cases.SubmissionKey` table, of the permit's case and dated when the result was
recorded, and the inspection's own column goes; a result sent again is still applied once."""

import datetime
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases.models import CaseEvent, SubmissionKey
from permits import inspection_events as ev
from permits.models import Inspection
from permits.services.inspections import inspection_book, inspection_record_result
from tests.permits.inspection_factories import NOW, WEDNESDAY, inspector, issued_permit, open_slots

BEFORE = [("permits", "0010_quarter_hours")]


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


def _todays_inspection(person, address):
    permit = issued_permit(address=address)
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    Inspection.objects.filter(pk=inspection.pk).update(day=timezone.localdate())
    return Inspection.objects.get(pk=inspection.pk)


@pytest.mark.django_db(transaction=True)
def test_result_keys_move_to_the_shared_table(latest_schema_after):
    # given: two results recorded, one without a key, and one inspection still waiting
    person = inspector(capacity=3)
    open_slots()
    keyed, unkeyed, waiting = (
        _todays_inspection(person, address) for address in ("1 Oak St", "2 Elm St", "3 Ash St")
    )
    for inspection in (keyed, unkeyed):
        inspection_record_result(inspection=inspection, actor=person, result="passed")
    resulted_at = timezone.now() - datetime.timedelta(hours=3)
    key = uuid.uuid4()
    old = _migrate(BEFORE)
    OldInspection = old.get_model("permits", "Inspection")
    OldInspection.objects.filter(pk=keyed.pk).update(result_key=key, resulted_at=resulted_at)

    # when
    _migrate()

    # then: one row, the keyed permit's case's, dated with its result
    rows = list(SubmissionKey.objects.all())
    assert [(row.key, row.case_id) for row in rows] == [(key, keyed.permit.case_id)]
    assert rows[0].created_at == resulted_at
    columns = [
        column.name
        for column in connection.introspection.get_table_description(
            connection.cursor(), Inspection._meta.db_table
        )
    ]
    assert "result_key" not in columns

    # and the result sent again is applied once: nothing recorded twice
    again = inspection_record_result(
        inspection=Inspection.objects.get(pk=keyed.pk),
        actor=person,
        result="failed",
        comments="Sent again.",
        result_key=key,
    )
    assert again.result == "passed"
    events = CaseEvent.objects.filter(case=keyed.permit.case, kind=ev.INSPECTION_RESULT)
    assert events.count() == 1
    assert Inspection.objects.get(pk=waiting.pk).result == ""
