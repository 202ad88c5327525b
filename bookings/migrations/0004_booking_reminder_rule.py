"""The booker's reminder before the event, as a rule administrators may change: it sends on
the day each facility's `reminder_days_before` names (see bookings/reminders.py)."""

import datetime

from django.db import migrations

REMINDER = {
    "name": "Facility booking: the facility's reminder days before",
    "source": "bookings.booking_day",
    "days": 0,
    "timing": "before",
    "template_key": "bookings/reminder",
    "channels": ["email", "sms", "in_app"],
    "send_at": datetime.time(9, 0),
    "catch_up_days": 1,
}


def reminder_rule_add(apps, schema_editor):
    apps.get_model("notifications", "ReminderRule").objects.create(**REMINDER)


def reminder_rule_remove(apps, schema_editor):
    apps.get_model("notifications", "ReminderRule").objects.filter(
        source=REMINDER["source"], template_key=REMINDER["template_key"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_staff_work"),
        ("notifications", "0005_reminder_rules"),
    ]

    operations = [migrations.RunPython(reminder_rule_add, reminder_rule_remove)]
