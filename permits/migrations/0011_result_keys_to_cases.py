"""The result keys recorded on inspections move to the shared `cases.SubmissionKey` table.

Each inspection's `result_key` becomes a SubmissionKey row of the permit's case, dated when
the result was recorded, so a phone sending a kept result again still finds it applied. The
column itself is dropped by the next migration. Backwards, the rows stay in the shared table
(the column comes back empty): the keys are still claimed, so nothing is applied twice.
"""

import itertools

from django.db import migrations
from django.utils import timezone

BATCH = 1000


def copy_result_keys(apps, schema_editor):
    Inspection = apps.get_model("permits", "Inspection")
    SubmissionKey = apps.get_model("cases", "SubmissionKey")
    recorded = (
        Inspection.objects.filter(result_key__isnull=False)
        .values_list("result_key", "permit__case_id", "resulted_at")
        .order_by("pk")
    )
    rows = (
        SubmissionKey(key=key, case_id=case_id, created_at=resulted_at or timezone.now())
        for key, case_id, resulted_at in recorded.iterator(chunk_size=BATCH)
    )
    while batch := list(itertools.islice(rows, BATCH)):
        SubmissionKey.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_submission_keys"),
        ("permits", "0010_quarter_hours"),
    ]

    operations = [
        migrations.RunPython(copy_result_keys, migrations.RunPython.noop, elidable=True),
    ]
