import django.contrib.postgres.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("taxes", "0014_instalment_owed_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="creditrefund",
            name="refund_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                blank=True,
                default=list,
                size=None,
                verbose_name="refunds",
            ),
        ),
    ]
