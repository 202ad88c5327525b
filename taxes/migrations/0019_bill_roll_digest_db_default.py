"""A bill's roll digest is empty by default in the database too, as it is in the model: bills
inserted in SQL without it (set-based loads, such as the benchmarks' rolls) were refused by
its NOT NULL."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("taxes", "0018_bill_event_bill_without_own_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="taxbill",
            name="roll_digest",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                max_length=32,
                verbose_name="roll digest",
            ),
        ),
    ]
