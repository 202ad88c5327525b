"""Followers of concern reports become participants of the report's case, in the follower
role, each with the same id, address, language, "following since" and confirmation: the
confirmation links already sent (which carry the id) and the messages already queued keep
working. Applicant rows that took one of those ids move to fresh ids first (nothing refers
to a participant's id yet)."""

from django.db import migrations

FOLLOWERS_BECOME_PARTICIPANTS = """
SELECT setval(pg_get_serial_sequence('cases_participant', 'id'), GREATEST(
    (SELECT COALESCE(MAX(id), 0) FROM cases_participant),
    (SELECT COALESCE(MAX(id), 0) FROM concerns_concernfollower),
    1));

UPDATE cases_participant
   SET id = nextval(pg_get_serial_sequence('cases_participant', 'id'))
 WHERE id IN (SELECT id FROM concerns_concernfollower);

INSERT INTO cases_participant
       (id, case_id, role, user_id, name, email, phone, language, created_at, confirmed_at)
SELECT follower.id, report.case_id, 'follower', follower.user_id, '', follower.email,
       follower.phone, follower.language, follower.created_at, follower.confirmed_at
  FROM concerns_concernfollower AS follower
  JOIN concerns_concernreport AS report ON report.id = follower.report_id
 ORDER BY follower.id;
"""

PARTICIPANTS_BECOME_FOLLOWERS = """
INSERT INTO concerns_concernfollower
       (id, report_id, user_id, email, phone, language, created_at, confirmed_at)
SELECT participant.id, report.id, participant.user_id, participant.email, participant.phone,
       participant.language, participant.created_at, participant.confirmed_at
  FROM cases_participant AS participant
  JOIN concerns_concernreport AS report ON report.case_id = participant.case_id
 WHERE participant.role = 'follower'
 ORDER BY participant.id;

SELECT setval(pg_get_serial_sequence('concerns_concernfollower', 'id'),
              (SELECT COALESCE(MAX(id), 1) FROM concerns_concernfollower));

DELETE FROM cases_participant AS participant
 USING concerns_concernreport AS report
 WHERE report.case_id = participant.case_id AND participant.role = 'follower';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0008_business_day_targets"),
        ("cases", "0014_participants"),
    ]

    operations = [
        migrations.RunSQL(FOLLOWERS_BECOME_PARTICIPANTS, reverse_sql=PARTICIPANTS_BECOME_FOLLOWERS),
        migrations.DeleteModel(
            name="ConcernFollower",
        ),
    ]
