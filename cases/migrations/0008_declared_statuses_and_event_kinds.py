"""Each workflow declares its statuses and event kinds; the database enforces them per kind
of case instead of through global CHECK constraints.

`cases_declaredstatus` and `cases_declaredeventkind` hold the declarations (filled from the
code after every migrate, cases/declarations.py). Composite foreign keys make the database
refuse what a case's workflow does not declare:

- `cases_case (kind, status)` references `cases_declaredstatus (case_kind, code)`;
- `cases_caseevent (case_kind, kind, audience)` references
  `cases_declaredeventkind (case_kind, code, audience)`, so an event's audience must be one
  its kind may have (the old `cases_event_audience_fits_kind` rule, now per workflow).

`cases_caseevent.case_kind` copies the case's kind: a trigger sets it on every insert from
the case row (whatever the caller passed), and existing events get it here. Existing cases
and events keep working: whatever they already use is declared here, before the keys are
added; `manage.py check --database default` (cases.W001) reports anything no workflow
declares any more. Events are append-only (0002's trigger): it is switched off for the one
UPDATE inside this migration's transaction only.
"""

from django.conf import settings
from django.db import migrations, models

FORWARD = """
ALTER TABLE cases_caseevent DISABLE TRIGGER cases_caseevent_append_only;
UPDATE cases_caseevent AS event
   SET case_kind = case_.kind
  FROM cases_case AS case_
 WHERE case_.id = event.case_id;
ALTER TABLE cases_caseevent ENABLE TRIGGER cases_caseevent_append_only;

INSERT INTO cases_declaredstatus (case_kind, code, phase)
SELECT DISTINCT kind, status, CASE WHEN bool_and(closed_at IS NOT NULL) THEN 'final' ELSE 'open' END
  FROM cases_case GROUP BY kind, status
ON CONFLICT (case_kind, code) DO NOTHING;

INSERT INTO cases_declaredeventkind (case_kind, code, audience)
SELECT DISTINCT case_kind, kind, audience FROM cases_caseevent
ON CONFLICT (case_kind, code, audience) DO NOTHING;

CREATE FUNCTION cases_caseevent_set_case_kind() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT kind INTO NEW.case_kind FROM cases_case WHERE id = NEW.case_id;
    RETURN NEW;
END;
$$;

CREATE TRIGGER cases_caseevent_case_kind
BEFORE INSERT ON cases_caseevent
FOR EACH ROW EXECUTE FUNCTION cases_caseevent_set_case_kind();

ALTER TABLE cases_case
  ADD CONSTRAINT cases_case_status_declared
  FOREIGN KEY (kind, status)
  REFERENCES cases_declaredstatus (case_kind, code);

ALTER TABLE cases_caseevent
  ADD CONSTRAINT cases_caseevent_kind_declared
  FOREIGN KEY (case_kind, kind, audience)
  REFERENCES cases_declaredeventkind (case_kind, code, audience);

CREATE INDEX cases_caseevent_kind_declared_idx
  ON cases_caseevent (case_kind, kind, audience);
"""

BACKWARD = """
DROP INDEX IF EXISTS cases_caseevent_kind_declared_idx;
ALTER TABLE cases_caseevent DROP CONSTRAINT IF EXISTS cases_caseevent_kind_declared;
ALTER TABLE cases_case DROP CONSTRAINT IF EXISTS cases_case_status_declared;
DROP TRIGGER IF EXISTS cases_caseevent_case_kind ON cases_caseevent;
DROP FUNCTION IF EXISTS cases_caseevent_set_case_kind();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_questions_and_documents"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DeclaredEventKind",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("case_kind", models.SlugField(max_length=64, verbose_name="service")),
                ("code", models.CharField(max_length=20, verbose_name="kind")),
                ("audience", models.CharField(max_length=12, verbose_name="visible to")),
            ],
            options={
                "verbose_name": "declared event kind",
                "verbose_name_plural": "declared event kinds",
            },
        ),
        migrations.CreateModel(
            name="DeclaredStatus",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("case_kind", models.SlugField(max_length=64, verbose_name="service")),
                ("code", models.CharField(max_length=20, verbose_name="status")),
                (
                    "phase",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("waiting", "Waiting for the resident"),
                            ("final", "Final"),
                        ],
                        max_length=8,
                        verbose_name="phase",
                    ),
                ),
            ],
            options={
                "verbose_name": "declared status",
                "verbose_name_plural": "declared statuses",
            },
        ),
        migrations.RemoveConstraint(
            model_name="case",
            name="cases_case_status_known",
        ),
        migrations.RemoveConstraint(
            model_name="caseevent",
            name="cases_event_kind_known",
        ),
        migrations.RemoveConstraint(
            model_name="caseevent",
            name="cases_event_audience_fits_kind",
        ),
        migrations.AddField(
            model_name="caseevent",
            name="case_kind",
            field=models.SlugField(
                default="", editable=False, max_length=64, verbose_name="service"
            ),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="payload",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
        migrations.AlterField(
            model_name="case",
            name="status",
            field=models.CharField(default="draft", max_length=20, verbose_name="status"),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="from_status",
            field=models.CharField(blank=True, max_length=20, verbose_name="from status"),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="kind",
            field=models.CharField(max_length=20, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="to_status",
            field=models.CharField(blank=True, max_length=20, verbose_name="to status"),
        ),
        migrations.AddConstraint(
            model_name="caseevent",
            constraint=models.CheckConstraint(
                condition=models.Q(("audience__in", ["staff", "participants", "public"])),
                name="cases_event_audience_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="declaredeventkind",
            constraint=models.UniqueConstraint(
                fields=("case_kind", "code", "audience"), name="cases_declaredeventkind_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="declaredeventkind",
            constraint=models.CheckConstraint(
                condition=models.Q(("audience__in", ["staff", "participants", "public"])),
                name="cases_declaredeventkind_audience_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="declaredstatus",
            constraint=models.UniqueConstraint(
                fields=("case_kind", "code"), name="cases_declaredstatus_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="declaredstatus",
            constraint=models.CheckConstraint(
                condition=models.Q(("phase__in", ["open", "waiting", "final"])),
                name="cases_declaredstatus_phase_known",
            ),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
