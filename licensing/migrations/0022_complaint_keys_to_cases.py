"""The form keys recorded on complaints move to the shared `cases.SubmissionKey` table.

Each complaint's `submission` key becomes a SubmissionKey row of the complaint's own case
(every complaint has one), dated when the complaint was filed, so the same form sent again
still ends on the complaint it filed. The column itself is dropped by the next migration.
Backwards, the keys of complaint cases are copied back into the column and the rows stay in
the shared table.
"""

import itertools

from django.db import migrations

BATCH = 1000


def copy_complaint_keys(apps, schema_editor):
    Complaint = apps.get_model("licensing", "Complaint")
    SubmissionKey = apps.get_model("cases", "SubmissionKey")
    recorded = (
        Complaint.objects.filter(submission__isnull=False)
        .values_list("submission", "case_id", "created_at")
        .order_by("pk")
    )
    rows = (
        SubmissionKey(key=key, case_id=case_id, created_at=created_at)
        for key, case_id, created_at in recorded.iterator(chunk_size=BATCH)
    )
    while batch := list(itertools.islice(rows, BATCH)):
        SubmissionKey.objects.bulk_create(batch, ignore_conflicts=True)


def copy_keys_back(apps, schema_editor):
    Complaint = apps.get_model("licensing", "Complaint")
    SubmissionKey = apps.get_model("cases", "SubmissionKey")
    claimed = SubmissionKey.objects.filter(case__license_complaint__isnull=False).values_list(
        "case_id", "key"
    )
    for case_id, key in claimed.iterator(chunk_size=BATCH):
        Complaint.objects.filter(case_id=case_id).update(submission=key)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_submission_keys"),
        ("licensing", "0021_license_types_drafts_and_fees_in_dollars"),
    ]

    operations = [
        migrations.RunPython(copy_complaint_keys, copy_keys_back, elidable=True),
    ]
