"""The default tax-due reminders: 14 and 3 days before each instalment's due date, and on
the day, on every channel the person accepts. Rules are data: the administrator changes or
switches them off under Notifications → Reminder rules."""

import datetime

from django.db import migrations

SOURCE = "taxes.instalment_due"
TEMPLATE = "taxes/instalment_reminder"
# (days before, catch-up days): the day's own reminder is never sent late.
DEFAULTS = [(14, 7), (3, 3), (0, 1)]


def add_rules(apps, schema_editor):
    ReminderRule = apps.get_model("notifications", "ReminderRule")
    for days, catch_up in DEFAULTS:
        name = (
            "Property tax: instalment due today"
            if days == 0
            else f"Property tax: instalment due in {days} days"
        )
        ReminderRule.objects.create(
            name=name,
            source=SOURCE,
            days=days,
            timing="before",
            scope=[],
            channels=["email", "sms", "in_app"],
            template_key=TEMPLATE,
            send_at=datetime.time(7, 0),
            catch_up_days=catch_up,
        )


def remove_rules(apps, schema_editor):
    ReminderRule = apps.get_model("notifications", "ReminderRule")
    ReminderOccurrence = apps.get_model("notifications", "ReminderOccurrence")
    ReminderOccurrence.objects.filter(rule__source=SOURCE).delete()
    ReminderRule.objects.filter(source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_reminder_rules"),
        ("taxes", "0007_ebills"),
    ]

    operations = [migrations.RunPython(add_rules, remove_rules)]
