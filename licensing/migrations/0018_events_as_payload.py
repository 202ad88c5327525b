"""Licensing's older events become facts that are worded when shown.

Before events carried a payload, the fee-paid and license issued/renewed events stored an
English (or Spanish, if processed in Spanish) sentence in `body`, so a resident reading in
the other language saw the sentence as written. Each such event is rewritten here as its
kind and payload (`licensing.workflow`): the words then follow the reader's language. An
event whose text does not match one of these sentences exactly keeps its text, shown as
written.

The kinds used are declared for licensing's cases before the events are rewritten (the
declarations are synced again after migrate). Events are append-only (cases 0002's
trigger): it is switched off for these UPDATEs inside this migration's transaction only.
"""

from django.db import migrations

FORWARD = """
SET CONSTRAINTS ALL IMMEDIATE;

INSERT INTO cases_declaredeventkind (case_kind, code, audience)
SELECT kinds.case_kind, kinds.code, audiences.audience
  FROM (VALUES ('license_application', 'license_issued'),
               ('license_renewal', 'license_renewed')) AS kinds (case_kind, code)
 CROSS JOIN (VALUES ('staff'), ('participants')) AS audiences (audience)
ON CONFLICT (case_kind, code, audience) DO NOTHING;

ALTER TABLE cases_caseevent DISABLE TRIGGER cases_caseevent_append_only;

UPDATE cases_caseevent
   SET payload = jsonb_build_object('fee', 'application'), body = ''
 WHERE kind = 'payment' AND payload = '{}'::jsonb
   AND body IN ('Application fee paid.', 'Cargo de solicitud pagado.');

UPDATE cases_caseevent
   SET payload = jsonb_build_object('fee', 'renewal'), body = ''
 WHERE kind = 'payment' AND payload = '{}'::jsonb
   AND body IN ('Renewal fee paid.', 'Cargo de renovación pagado.');

UPDATE cases_caseevent
   SET kind = CASE case_kind
                WHEN 'license_application' THEN 'license_issued'
                ELSE 'license_renewed'
              END,
       payload = jsonb_build_object(
           'number', substring(body FROM '^(?:License|Licencia) (\\S+) '),
           'expires_on', substring(body FROM '([0-9]{4}-[0-9]{2}-[0-9]{2})\\.$')
       ),
       body = ''
 WHERE kind = 'update' AND payload = '{}'::jsonb
   AND (
       (case_kind = 'license_application'
        AND body ~ '^(License \\S+ issued, valid until|Licencia \\S+ emitida, válida hasta el) [0-9]{4}-[0-9]{2}-[0-9]{2}\\.$')
    OR (case_kind = 'license_renewal'
        AND body ~ '^(License \\S+ renewed, valid until|Licencia \\S+ renovada, válida hasta el) [0-9]{4}-[0-9]{2}-[0-9]{2}\\.$')
   );

ALTER TABLE cases_caseevent ENABLE TRIGGER cases_caseevent_append_only;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0017_reminders_become_rules"),
        ("cases", "0008_declared_statuses_and_event_kinds"),
    ]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
