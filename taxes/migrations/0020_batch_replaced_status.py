from django.db import migrations

# taxes 0012 was first released without the "replaced" status of payment batches. Databases
# where it ran then keep the older status constraints; this gives them the ones 0012 now
# makes (where 0012 ran as it is now, it writes the same constraints again). The models'
# state already has them from 0012, so only the database changes, and going back leaves it.
STATUS_CONSTRAINTS = """
ALTER TABLE taxes_paymentbatch
    DROP CONSTRAINT IF EXISTS taxes_batch_status_valid,
    DROP CONSTRAINT IF EXISTS taxes_batch_paid_at,
    ADD CONSTRAINT taxes_batch_status_valid
        CHECK (status IN ('ready', 'paid', 'replaced')),
    ADD CONSTRAINT taxes_batch_paid_at
        CHECK ((paid_at IS NULL AND status IN ('ready', 'replaced'))
               OR (paid_at IS NOT NULL AND status = 'paid'))
"""


class Migration(migrations.Migration):
    dependencies = [
        ("taxes", "0019_bill_roll_digest_db_default"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(STATUS_CONSTRAINTS, migrations.RunSQL.noop)]
        ),
    ]
