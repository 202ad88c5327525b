"""A reminder occurrence's rule without an index of its own.

The unique index on (rule, row, due date) starts with the rule, so it serves every lookup by
rule (the rule's statement skipping rows fired already, the PROTECT check when a rule is
deleted); the foreign key's own index on the rule alone was one more entry that every
reminder's insert wrote and no query needed. Dropped concurrently, so a running reminder
job does not wait for it.
"""

import django.db.models.deletion
from django.db import migrations, models

_RULE_INDEX = "notifications_reminderoccurrence_rule_id_19f3f751"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("notifications", "0008_dedupe_key_without_pattern_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="reminderoccurrence",
                    name="rule",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="occurrences",
                        to="notifications.reminderrule",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX CONCURRENTLY IF EXISTS {_RULE_INDEX}",
                    reverse_sql=(
                        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {_RULE_INDEX} "
                        "ON notifications_reminderoccurrence (rule_id)"
                    ),
                ),
            ],
        ),
    ]
