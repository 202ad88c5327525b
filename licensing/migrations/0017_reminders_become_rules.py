"""Renewal reminders become notifications' reminder rules.

Each license type's offsets (days before expiry) become `ReminderRule`s of the source
"licensing.license_expiry": one rule per offset, for every type when every type has it,
otherwise narrowed to the types that have it. A database without license types (a new
installation) gets the default rules, 90, 60, 30 and 7 days, for every type. Reminders
already sent (the licenses' timeline entries) become the rules' occurrences, so the engine's
first run does not send them again. The old column goes.
"""

import datetime

from django.conf import settings
from django.db import migrations

SOURCE = "licensing.license_expiry"
TEMPLATE = "licensing/renewal_reminder"
DEFAULT_OFFSETS = [90, 60, 30, 7]


def offsets_to_rules(apps, schema_editor):
    LicenseType = apps.get_model("licensing", "LicenseType")
    ReminderRule = apps.get_model("notifications", "ReminderRule")
    types = {t.pk: sorted(set(t.reminder_offsets or [])) for t in LicenseType.objects.all()}
    catch_up = max(1, getattr(settings, "LICENSING_REMINDER_CATCH_UP_DAYS", 7))
    if types:
        offsets = sorted({days for per_type in types.values() for days in per_type}, reverse=True)
    else:
        offsets = DEFAULT_OFFSETS
    for days in offsets:
        having = sorted(pk for pk, per_type in types.items() if days in per_type)
        ReminderRule.objects.create(
            name=f"License renewal: {days} days before expiry",
            source=SOURCE,
            days=days,
            timing="before",
            scope=[] if len(having) == len(types) else having,
            channels=["email", "sms", "in_app"],
            template_key=TEMPLATE,
            send_at=datetime.time(7, 0),
            catch_up_days=catch_up,
        )
    # Reminders sent already: the occurrence of the rule of that offset and the license's type.
    schema_editor.execute(
        """
        INSERT INTO notifications_reminderoccurrence (rule_id, object_id, due_on, created_at)
        SELECT r.id, e.license_id, e.expires_on - e.offset_days, e.created_at
          FROM licensing_licenseevent AS e
          JOIN licensing_license AS l ON l.id = e.license_id
          JOIN notifications_reminderrule AS r
            ON r.source = %s
           AND r.timing = 'before'
           AND r.days = e.offset_days
           AND (cardinality(r.scope) = 0 OR l.license_type_id = ANY(r.scope))
         WHERE e.kind = 'reminder'
            ON CONFLICT DO NOTHING
        """,
        [SOURCE],
    )


def rules_to_offsets(apps, schema_editor):
    LicenseType = apps.get_model("licensing", "LicenseType")
    ReminderRule = apps.get_model("notifications", "ReminderRule")
    rules = list(ReminderRule.objects.filter(source=SOURCE, timing="before", active=True))
    for license_type in LicenseType.objects.all():
        license_type.reminder_offsets = sorted(
            {r.days for r in rules if not r.scope or license_type.pk in r.scope}, reverse=True
        )
        license_type.save(update_fields=["reminder_offsets"])
    ReminderOccurrence = apps.get_model("notifications", "ReminderOccurrence")
    ReminderOccurrence.objects.filter(rule__source=SOURCE).delete()
    ReminderRule.objects.filter(source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0016_questions_move_to_cases"),
        ("notifications", "0005_reminder_rules"),
    ]

    operations = [
        migrations.RunPython(offsets_to_rules, rules_to_offsets),
        migrations.RemoveField(
            model_name="licensetype",
            name="reminder_offsets",
        ),
    ]
