from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_languages_independent_of_settings"),
        # The triggers that wrote the column go first.
        ("portal", "0002_drop_dashboard_version_triggers"),
    ]

    operations = [migrations.RemoveField(model_name="user", name="dashboard_version")]
