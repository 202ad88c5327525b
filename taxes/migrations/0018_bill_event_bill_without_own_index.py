"""A bill event's bill without an index of its own.

The unique index on (bill, key) starts with the bill, so it serves every lookup by bill (the
bill's timeline, the cascade when a bill is deleted); the foreign key's own index on the bill
alone was one more entry for every timeline entry written (8,333 in a tax-reminder run of the
benchmark) that no query needed. Dropped concurrently, so a running reminder job does not
wait for it.
"""

import django.db.models.deletion
from django.db import migrations, models

_BILL_INDEX = "taxes_billevent_bill_id_e3bd2fd4"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("taxes", "0017_bill_roll_digest")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="billevent",
                    name="bill",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="taxes.taxbill",
                        verbose_name="bill",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX CONCURRENTLY IF EXISTS {_BILL_INDEX}",
                    reverse_sql=(
                        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {_BILL_INDEX} "
                        "ON taxes_billevent (bill_id)"
                    ),
                ),
            ],
        ),
    ]
