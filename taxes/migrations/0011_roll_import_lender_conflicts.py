from django.db import migrations, models

# The conflicts the imports before this migration recorded first are on the bills' timelines
# (each event names its import); the rows they listed again were not kept, so their
# `lender_conflicts` stays 0.
BACKFILL_NEW = """
UPDATE taxes_rollimport i SET lender_conflicts_new = e.count
FROM (
    SELECT (data->>'roll_import')::bigint AS roll_import_id, count(*) AS count
    FROM taxes_billevent WHERE kind = 'lender_conflict' GROUP BY 1
) e
WHERE i.id = e.roll_import_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("taxes", "0010_bill_event_lender_kinds"),
    ]

    operations = [
        migrations.AddField(
            model_name="rollimport",
            name="lender_conflicts",
            field=models.PositiveIntegerField(default=0, verbose_name="lender conflicts"),
        ),
        migrations.AddField(
            model_name="rollimport",
            name="lender_conflicts_new",
            field=models.PositiveIntegerField(default=0, verbose_name="new lender conflicts"),
        ),
        migrations.RunSQL(BACKFILL_NEW, migrations.RunSQL.noop),
    ]
