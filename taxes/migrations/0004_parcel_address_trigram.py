"""A trigram index for the public look-up's address search, where pg_trgm is available.

The look-up finds "12 elm" inside "12 ELM STREET" (UPPER(situs_address) LIKE '%12 ELM%'),
which a B-tree cannot serve: over a million parcels that is a sequential scan of about
360 ms per search; a GIN trigram index answers in about 5 ms (docs/performance.md).

pg_trgm ships with PostgreSQL's contrib package (the docker-compose and managed servers have
it) but not with the embedded server of `make run`, so the extension and index are created
only when the server offers the extension; without it the search still works, unindexed.
The index is not declared on the model for the same reason.
"""

from django.db import migrations

CREATE = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX IF NOT EXISTS taxes_parcel_address_trgm
            ON taxes_parcel USING gin (UPPER(situs_address) gin_trgm_ops);
    END IF;
END
$$;
"""

DROP = "DROP INDEX IF EXISTS taxes_parcel_address_trgm;"


class Migration(migrations.Migration):
    dependencies = [
        ("taxes", "0003_bill_payment"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
