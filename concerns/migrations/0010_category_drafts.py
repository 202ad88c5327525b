from django.db import migrations, models
from django.db.models.functions import Now


def publish_existing_categories(apps, schema_editor):
    # Categories set up before drafts existed were already seen by residents: they stay
    # published.
    ConcernCategory = apps.get_model("concerns", "ConcernCategory")
    ConcernCategory.objects.filter(published_at__isnull=True).update(published_at=Now())


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0009_followers_become_participants"),
    ]

    operations = [
        migrations.AddField(
            model_name="concerncategory",
            name="published_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="published"
            ),
        ),
        migrations.RunPython(publish_existing_categories, migrations.RunPython.noop),
    ]
