from django.db import migrations, models


class Migration(migrations.Migration):
    """Followers now confirm their address; those who followed before were already being told
    (and were sent a message saying so), so they count as confirmed from when they followed."""

    dependencies = [
        ("concerns", "0002_category_keywords_es"),
    ]

    operations = [
        migrations.AddField(
            model_name="concernfollower",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="confirmed at"),
        ),
        migrations.RunSQL(
            "UPDATE concerns_concernfollower SET confirmed_at = created_at",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
