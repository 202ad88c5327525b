"""The two foreign keys into bookings refuse a hold's deletion with RESTRICT, not NO ACTION.

`bookings_waitlistentry.offer_id` and `bookings_lotteryrequest.booking_id` point at the hold
an offer or a grant made; the expiry sweep deletes abandoned holds (none pointed at) by the
ten thousand. Under NO ACTION each deleted row's check first looks for another row with the
same key (a key an UPDATE could have given back), then for referencing rows: two probes a
row, deferred to the batch's commit. RESTRICT refuses the same deletes, at once, with one
probe (docs/performance.md, "Facility holds"). The insert and update side stays deferred, as
Django makes every foreign key. Django 5.2 cannot declare the action on the field, so this
migration sets it and `tests/bookings/test_holds_expiry.py` fails if a later migration
rebuilds either key with another action.
"""

from django.db import migrations

_KEYS = (
    ("bookings_waitlistentry", "offer_id"),
    ("bookings_lotteryrequest", "booking_id"),
)

_REBUILD = """
DO $$
DECLARE
    key_name text;
BEGIN
    SELECT c.conname INTO STRICT key_name
      FROM pg_constraint AS c
      JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.contype = 'f' AND c.conrelid = '{table}'::regclass AND a.attname = '{column}';
    EXECUTE format('ALTER TABLE {table} DROP CONSTRAINT %I', key_name);
    EXECUTE format(
        'ALTER TABLE {table} ADD CONSTRAINT %I FOREIGN KEY ({column}) '
        'REFERENCES bookings_booking (id) ON DELETE {action} DEFERRABLE INITIALLY DEFERRED',
        key_name);
END
$$;
"""


def _statements(action: str) -> list[str]:
    return [_REBUILD.format(table=table, column=column, action=action) for table, column in _KEYS]


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0008_facility_point"),
    ]

    operations = [
        migrations.RunSQL(sql=_statements("RESTRICT"), reverse_sql=_statements("NO ACTION")),
    ]
