from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("notify_by_sms", False),
                    models.Q(("phone", ""), _negated=True),
                    _connector="OR",
                ),
                name="accounts_user_sms_needs_phone",
                violation_error_code="sms_needs_phone",
                violation_error_message="Enter a mobile phone number to get text messages.",
            ),
        ),
    ]
