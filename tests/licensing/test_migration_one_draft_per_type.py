"""Migration 0013 discards the older copies of a draft as the discard service would."""

import importlib

from django.apps import apps
from django.db import connection

from cases.models import CaseEvent
from cases.services import case_create
from licensing.models import Application
from tests.licensing.factories import LicenseTypeFactory

migration = importlib.import_module("licensing.migrations.0013_one_draft_per_type")


def test_an_older_copy_of_a_draft_is_cancelled_with_its_event(db, resident):
    # given: two drafts of one type, as made before the constraint
    license_type = LicenseTypeFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE licensing_application "
            "DROP CONSTRAINT IF EXISTS licensing_application_one_draft_per_type"
        )
        cursor.execute("DROP INDEX IF EXISTS licensing_application_one_draft_per_type")
    older, newer = (
        Application.objects.create(
            case=case_create(kind="license_application", applicant=resident, submit=False),
            license_type=license_type,
            applicant=resident,
        )
        for _ in range(2)
    )

    # when
    migration.discarded_and_duplicate_drafts(apps, connection.schema_editor())

    # then: the older one is cancelled and closed, with the move on its timeline
    older.refresh_from_db()
    assert older.case.status == "cancelled"
    assert older.case.closed_at is not None
    assert older.discarded_at is not None
    (event,) = CaseEvent.objects.filter(case=older.case)
    assert (event.kind, event.from_status, event.to_status) == (
        "status_changed",
        "draft",
        "cancelled",
    )
    assert event.audience == "participants"
    assert event.actor_id is None
    newer.refresh_from_db()
    assert newer.case.status == "draft"
    assert newer.discarded_at is None
