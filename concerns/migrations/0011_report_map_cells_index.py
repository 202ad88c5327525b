"""An index for the analytics' map of reports: the reports with a point, by the date they
were made, carrying their category and point so the count by area reads the index alone.

Built without blocking new reports (CREATE INDEX CONCURRENTLY, hence a non-atomic
migration).
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("concerns", "0010_category_drafts"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="concernreport",
            index=models.Index(
                condition=models.Q(("latitude__isnull", False)),
                fields=["requested_at"],
                include=("category", "latitude", "longitude"),
                name="concerns_report_map_cells",
            ),
        ),
    ]
