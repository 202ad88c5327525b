"""Migrations licensing 0022 and 0023: the form keys recorded on complaints become rows of
the shared `cases.SubmissionKey` table, of the complaint's own case and dated when it was
filed, and the complaint's own column goes; the same form sent again still files nothing."""

import datetime
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases.models import Department, SubmissionKey
from licensing import services
from licensing.models import Complaint
from tests.licensing.license_factory import LicenseFactory

BEFORE = [("licensing", "0021_license_types_drafts_and_fees_in_dollars")]


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


def _complaint(license, details):
    return services.complaint_file(
        license=license, details=details, guest_name="Ann Lee", guest_email="ann@example.org"
    )


def _columns() -> list[str]:
    with connection.cursor() as cursor:
        table = connection.introspection.get_table_description(cursor, Complaint._meta.db_table)
    return [column.name for column in table]


@pytest.mark.django_db(transaction=True)
def test_complaint_keys_move_to_the_shared_table(latest_schema_after):
    # given: two complaints filed before, one with its form's key
    Department.objects.get_or_create(code="LICENSING", defaults={"name": "Licensing"})
    license = LicenseFactory()
    keyed, unkeyed = _complaint(license, "Flooded."), _complaint(license, "Noise.")
    filed_at = timezone.now() - datetime.timedelta(days=3)
    key = uuid.uuid4()
    old = _migrate(BEFORE)
    OldComplaint = old.get_model("licensing", "Complaint")
    OldComplaint.objects.filter(pk=keyed.pk).update(submission=key, created_at=filed_at)

    # when
    _migrate()

    # then: one row, the keyed complaint's case's, dated when it was filed; no column
    rows = list(SubmissionKey.objects.all())
    assert [(row.key, row.case_id) for row in rows] == [(key, keyed.case_id)]
    assert rows[0].created_at == filed_at
    assert "submission" not in _columns()

    # and the same form sent again files nothing: it ends on the complaint it filed
    again = services.complaint_file(
        license=license,
        details="Flooded.",
        guest_name="Ann Lee",
        guest_email="ann@example.org",
        submission=key,
    )
    assert again.pk == keyed.pk
    assert Complaint.objects.count() == 2

    # and backwards, the key goes back into the complaint's column
    old = _migrate(BEFORE)
    OldComplaint = old.get_model("licensing", "Complaint")
    assert OldComplaint.objects.get(pk=keyed.pk).submission == key
    assert OldComplaint.objects.get(pk=unkeyed.pk).submission is None
