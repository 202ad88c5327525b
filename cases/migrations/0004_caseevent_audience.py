"""Each case event says who reads it: staff only, the people on the case, or everyone.

It replaces the single `public` flag, which meant "the resident sees it" and was also read
as "anyone sees it" by a concern report's public page, publishing a clerk's message to the
resident. Existing events keep what they meant: a public status change or update of a
concern report (the only case kind with a public page) stays public; every other public
event, and every message and reply, is for the people on the case; the rest is staff's.
A CHECK constraint then refuses any audience an event's kind may not have.

Events are append-only (0002's trigger): the trigger is switched off for this one UPDATE
inside the migration's transaction only.
"""

from django.db import migrations, models

FORWARD = """
ALTER TABLE cases_caseevent DISABLE TRIGGER cases_caseevent_append_only;
UPDATE cases_caseevent AS event
   SET audience = CASE
       WHEN event.kind IN ('note', 'assigned') THEN 'staff'
       WHEN event.kind IN ('message', 'reply') THEN 'participants'
       WHEN NOT event.public THEN 'staff'
       WHEN event.kind IN ('submitted', 'status_changed', 'update', 'inspection')
            AND case_.kind = 'concern_report' THEN 'public'
       ELSE 'participants'
   END
  FROM cases_case AS case_
 WHERE case_.id = event.case_id;
ALTER TABLE cases_caseevent ENABLE TRIGGER cases_caseevent_append_only;
"""

BACKWARD = """
ALTER TABLE cases_caseevent DISABLE TRIGGER cases_caseevent_append_only;
UPDATE cases_caseevent SET public = (audience <> 'staff');
ALTER TABLE cases_caseevent ENABLE TRIGGER cases_caseevent_append_only;
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_language_known")]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="audience",
            field=models.CharField(
                choices=[
                    ("staff", "Staff only"),
                    ("participants", "The resident and staff"),
                    ("public", "Everyone"),
                ],
                default="staff",
                max_length=12,
                verbose_name="visible to",
            ),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RemoveField(model_name="caseevent", name="public"),
        migrations.AddConstraint(
            model_name="caseevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("audience__in", ["participants", "public", "staff"]), ("kind", "submitted")
                    ),
                    models.Q(
                        ("audience__in", ["participants", "public", "staff"]),
                        ("kind", "status_changed"),
                    ),
                    models.Q(
                        ("audience__in", ["participants", "public", "staff"]), ("kind", "update")
                    ),
                    models.Q(
                        ("audience__in", ["participants", "public", "staff"]),
                        ("kind", "inspection"),
                    ),
                    models.Q(("audience__in", ["participants"]), ("kind", "message")),
                    models.Q(("audience__in", ["participants"]), ("kind", "reply")),
                    models.Q(
                        ("audience__in", ["participants", "staff"]), ("kind", "document_added")
                    ),
                    models.Q(("audience__in", ["participants", "staff"]), ("kind", "payment")),
                    models.Q(
                        ("audience__in", ["participants", "staff"]), ("kind", "reminder_sent")
                    ),
                    models.Q(("audience__in", ["staff"]), ("kind", "note")),
                    models.Q(("audience__in", ["staff"]), ("kind", "assigned")),
                    _connector="OR",
                ),
                name="cases_event_audience_fits_kind",
            ),
        ),
    ]
