"""License names never hold characters that reorder or hide text.

Names already stored with such characters lose them first, so the constraint can be added.
"""

from django.conf import settings
from django.db import migrations, models

PATTERN = "[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0008_complaint_submission_key"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(
            [
                (
                    "UPDATE licensing_license"
                    " SET holder_name = regexp_replace(holder_name, %s, '', 'g'),"
                    " business_name = regexp_replace(business_name, %s, '', 'g')"
                    " WHERE holder_name ~ %s OR business_name ~ %s",
                    [PATTERN] * 4,
                )
            ],
            migrations.RunSQL.noop,
        ),
        migrations.AddConstraint(
            model_name="license",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        (
                            "holder_name__regex",
                            "[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]",
                        ),
                        _negated=True,
                    ),
                    models.Q(
                        (
                            "business_name__regex",
                            "[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]",
                        ),
                        _negated=True,
                    ),
                ),
                name="licensing_license_names_visible",
            ),
        ),
    ]
