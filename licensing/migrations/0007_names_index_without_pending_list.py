"""The names' GIN index without a pending list (fastupdate off), so a name search never reads
the words of recent writes one by one (see License.Meta.indexes).

Changed in place (ALTER INDEX takes effect at once, and what is already pending is merged)
rather than dropped and rebuilt, which would block writes to the register and leave the
lookup without its index while a million licenses are indexed again.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

INDEX = "licensing_license_names_fts"


def _names_index(**options):
    return django.contrib.postgres.indexes.GinIndex(
        django.contrib.postgres.search.SearchVector(
            "holder_name", "business_name", config="simple"
        ),
        name=INDEX,
        **options,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0006_license_events_discipline"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        f"ALTER INDEX {INDEX} SET (fastupdate = off)",
                        f"SELECT gin_clean_pending_list('{INDEX}'::regclass)",
                    ],
                    reverse_sql=f"ALTER INDEX {INDEX} RESET (fastupdate)",
                ),
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="license", name=INDEX),
                migrations.AddIndex(model_name="license", index=_names_index(fastupdate=False)),
            ],
        ),
    ]
