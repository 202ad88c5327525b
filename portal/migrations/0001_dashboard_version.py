"""The dashboard's version of each account: raised by the database with every change to what
the dashboard lists, so the page can cache its lists and know when they are stale.

The dashboard (portal.views.dashboard) lists a person's newest cases and in-app messages. The
account row, which every signed-in request loads anyway, carries `dashboard_version`; row
triggers on cases_case and notifications_notification raise it, in the same transaction,
whenever a row that the dashboard could list is inserted, changed or deleted. They fire for
every write path alike: the ORM, `QuerySet.update()`, the reminder job's set-based INSERT, the
dispatcher's UPDATE, and a person at a SQL prompt.

Correctness rests on three properties:
- The raise commits with the change, or neither does: no reader sees new rows under an old
  version, so no reader caches them under one that later readers would look up.
- Raising takes the account row's lock, so writers to one person's rows queue for it and every
  committed state has its own version.
- The version never goes down: a `User.save()` writes back the value it loaded, which may be
  older, and accounts_user_keep_dashboard_version keeps the higher one.

The account row is locked with FOR NO KEY UPDATE, which does not conflict with the KEY SHARE
lock that inserting a case or a message takes for its foreign key. A transaction holds the
lock until it ends, so writers to one person's rows wait for each other, never for long: each
service writes one person's rows in a transaction of its own (the admin's "assign to me" calls
the service once per case). The one write that touches many people at once is the reminder
job's single INSERT; a transaction on one person cannot deadlock with it. Should two
many-person transactions ever take the same accounts in opposite orders, PostgreSQL detects
the deadlock and rolls one of them back whole.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION portal_raise_dashboard_version(account_id bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE accounts_user SET dashboard_version = dashboard_version + 1 WHERE id = account_id;
$$;

CREATE FUNCTION portal_case_changes_dashboard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.applicant_id IS NOT NULL THEN
        PERFORM portal_raise_dashboard_version(OLD.applicant_id);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.applicant_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.applicant_id IS DISTINCT FROM OLD.applicant_id) THEN
        PERFORM portal_raise_dashboard_version(NEW.applicant_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER portal_case_changes_dashboard
AFTER INSERT OR UPDATE OR DELETE ON cases_case
FOR EACH ROW EXECUTE FUNCTION portal_case_changes_dashboard();

CREATE FUNCTION portal_message_changes_dashboard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.channel = 'in_app' AND OLD.recipient_id IS NOT NULL THEN
        PERFORM portal_raise_dashboard_version(OLD.recipient_id);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.channel = 'in_app' AND NEW.recipient_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.recipient_id IS DISTINCT FROM OLD.recipient_id
            OR OLD.channel <> 'in_app') THEN
        PERFORM portal_raise_dashboard_version(NEW.recipient_id);
    END IF;
    RETURN NULL;
END;
$$;

-- E-mail and text-message rows, the bulk of the table, never reach the function.
CREATE TRIGGER portal_message_inserted_changes_dashboard
AFTER INSERT ON notifications_notification
FOR EACH ROW WHEN (NEW.channel = 'in_app')
EXECUTE FUNCTION portal_message_changes_dashboard();

CREATE TRIGGER portal_message_updated_changes_dashboard
AFTER UPDATE ON notifications_notification
FOR EACH ROW WHEN (OLD.channel = 'in_app' OR NEW.channel = 'in_app')
EXECUTE FUNCTION portal_message_changes_dashboard();

CREATE TRIGGER portal_message_deleted_changes_dashboard
AFTER DELETE ON notifications_notification
FOR EACH ROW WHEN (OLD.channel = 'in_app')
EXECUTE FUNCTION portal_message_changes_dashboard();

CREATE FUNCTION accounts_user_keep_dashboard_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.dashboard_version := GREATEST(NEW.dashboard_version, OLD.dashboard_version);
    RETURN NEW;
END;
$$;

CREATE TRIGGER accounts_user_keep_dashboard_version
BEFORE UPDATE OF dashboard_version ON accounts_user
FOR EACH ROW EXECUTE FUNCTION accounts_user_keep_dashboard_version();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS accounts_user_keep_dashboard_version ON accounts_user;
DROP FUNCTION IF EXISTS accounts_user_keep_dashboard_version();
DROP TRIGGER IF EXISTS portal_message_deleted_changes_dashboard ON notifications_notification;
DROP TRIGGER IF EXISTS portal_message_updated_changes_dashboard ON notifications_notification;
DROP TRIGGER IF EXISTS portal_message_inserted_changes_dashboard ON notifications_notification;
DROP FUNCTION IF EXISTS portal_message_changes_dashboard();
DROP TRIGGER IF EXISTS portal_case_changes_dashboard ON cases_case;
DROP FUNCTION IF EXISTS portal_case_changes_dashboard();
DROP FUNCTION IF EXISTS portal_raise_dashboard_version(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_dashboard_version"),
        ("cases", "0003_case_language_known"),
        ("notifications", "0003_unread_index"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
