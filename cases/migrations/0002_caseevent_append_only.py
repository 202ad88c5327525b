"""Case events are the legal record of what happened: the database refuses to change them.

A row trigger rejects UPDATE and DELETE on cases_caseevent, whatever code (or person with a
SQL prompt and the application's role) tries. TRUNCATE, which fires no row trigger, remains
possible for test databases and deliberate purges.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION cases_caseevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case events are append-only (% refused on event %)', TG_OP, OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER cases_caseevent_append_only
BEFORE UPDATE OR DELETE ON cases_caseevent
FOR EACH ROW EXECUTE FUNCTION cases_caseevent_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS cases_caseevent_append_only ON cases_caseevent;
DROP FUNCTION IF EXISTS cases_caseevent_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
