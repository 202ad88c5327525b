"""The form keys recorded on concern reports move to the shared `cases.SubmissionKey` table.

Each report's `submission` key becomes a SubmissionKey row of the report's own case (every
report has one), dated when the report was made (`requested_at`), so the same form sent
again still ends on the report it made. The column itself is dropped by the next migration.
Backwards, the key each report's case claimed when the report was made (not the later
keys of field results) is copied back into the column and the rows stay in the shared table.
"""

import datetime
import itertools

from django.db import migrations
from django.db.models import F

BATCH = 1000
SAME_SEND = datetime.timedelta(minutes=1)


def copy_report_keys(apps, schema_editor):
    ConcernReport = apps.get_model("concerns", "ConcernReport")
    SubmissionKey = apps.get_model("cases", "SubmissionKey")
    recorded = (
        ConcernReport.objects.filter(submission__isnull=False)
        .values_list("submission", "case_id", "requested_at")
        .order_by("pk")
    )
    rows = (
        SubmissionKey(key=key, case_id=case_id, created_at=requested_at)
        for key, case_id, requested_at in recorded.iterator(chunk_size=BATCH)
    )
    while batch := list(itertools.islice(rows, BATCH)):
        SubmissionKey.objects.bulk_create(batch, ignore_conflicts=True)


def copy_keys_back(apps, schema_editor):
    ConcernReport = apps.get_model("concerns", "ConcernReport")
    SubmissionKey = apps.get_model("cases", "SubmissionKey")
    # A report's case also holds the keys of field results sent later by staff; the form's
    # key is the one claimed when the report was made, in the transaction that made it.
    made_with = (
        SubmissionKey.objects.filter(
            case__concern__isnull=False,
            created_at__lte=F("case__concern__requested_at") + SAME_SEND,
        )
        .order_by("case_id", "created_at")
        .distinct("case_id")
        .values_list("case_id", "key")
    )
    for case_id, key in made_with.iterator(chunk_size=BATCH):
        ConcernReport.objects.filter(case_id=case_id).update(submission=key)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_submission_keys"),
        ("concerns", "0011_report_map_cells_index"),
    ]

    operations = [
        migrations.RunPython(copy_report_keys, copy_keys_back, elidable=True),
    ]
