"""The dashboard's version of each account: raised by the database with every change to what
the dashboard lists, so the page can cache its lists and know when they are stale.

The dashboard (portal.views.dashboard) lists a person's newest cases and in-app messages. The
account row, which every signed-in request loads anyway, carries `dashboard_version`;
statement triggers on cases_case and notifications_notification raise it, in the same
transaction, for everyone whose listed rows a statement inserted, changed or deleted. They
fire for every write path alike: the ORM, `QuerySet.update()`, the reminder job's set-based
INSERT, and a person at a SQL prompt. A message's update counts only when it changes what the
inbox shows (not the dispatcher's claims, leases and retries); a case's always does (its
"last update" date is shown).

Correctness rests on three properties:
- The raise commits with the change, or neither does: no reader sees new rows under an old
  version, so no reader caches them under one that later readers would look up.
- Raising takes the account row's lock, so writers to one person's rows queue for it and every
  committed state has its own version.
- The version never goes down: a `User.save()` writes back the value it loaded, which may be
  older, and accounts_user_keep_dashboard_version keeps the higher one.

Locks. The triggers lock the statement's accounts in id order with FOR NO KEY UPDATE and hold
them until the transaction ends. That lock does not conflict with the KEY SHARE lock a
foreign-key check takes, and Django's foreign keys are checked at COMMIT (DEFERRABLE INITIALLY
DEFERRED), so after the triggers, with the account locks held: a transaction that raised a
person's version then checks, at commit, its references to their cases, licenses and so on.
A service that held one of those rows FOR UPDATE while it waited for the same account would
deadlock with it; so every row lock the portal takes is FOR NO KEY UPDATE
(`select_for_update(no_key=True)`; tests/portal/test_row_locks.py and
tests/licensing/test_concurrency.py). Two transactions that each write several people's rows in
separate statements could still take their accounts in opposite orders: such a transaction
locks them all first, in id order, with accounts.services.accounts_lock (the concern services
that tell followers do).
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION portal_raise_dashboard_versions(account_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE accounts_user AS account
       SET dashboard_version = account.dashboard_version + 1
      FROM (SELECT id FROM accounts_user WHERE id = ANY(account_ids)
             ORDER BY id FOR NO KEY UPDATE) AS locked
     WHERE account.id = locked.id;
$$;

CREATE FUNCTION portal_cases_change_dashboards() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM portal_raise_dashboard_versions(ARRAY(
            SELECT DISTINCT applicant_id FROM new_rows WHERE applicant_id IS NOT NULL));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM portal_raise_dashboard_versions(ARRAY(
            SELECT DISTINCT applicant_id FROM old_rows WHERE applicant_id IS NOT NULL));
    ELSE
        PERFORM portal_raise_dashboard_versions(ARRAY(
            SELECT applicant_id FROM old_rows WHERE applicant_id IS NOT NULL
            UNION
            SELECT applicant_id FROM new_rows WHERE applicant_id IS NOT NULL));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER portal_cases_inserted_change_dashboards
AFTER INSERT ON cases_case REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION portal_cases_change_dashboards();

CREATE TRIGGER portal_cases_updated_change_dashboards
AFTER UPDATE ON cases_case REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION portal_cases_change_dashboards();

CREATE TRIGGER portal_cases_deleted_change_dashboards
AFTER DELETE ON cases_case REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION portal_cases_change_dashboards();

CREATE FUNCTION portal_messages_change_dashboards() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM portal_raise_dashboard_versions(ARRAY(
            SELECT DISTINCT recipient_id FROM new_rows
             WHERE channel = 'in_app' AND recipient_id IS NOT NULL));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM portal_raise_dashboard_versions(ARRAY(
            SELECT DISTINCT recipient_id FROM old_rows
             WHERE channel = 'in_app' AND recipient_id IS NOT NULL));
    ELSE
        -- Only changes to what the inbox shows (notifications.selectors.INBOX_FIELDS).
        PERFORM portal_raise_dashboard_versions(ARRAY(
            SELECT person FROM (
                SELECT o.recipient_id, o.channel, n.recipient_id, n.channel
                  FROM old_rows AS o JOIN new_rows AS n USING (id)
                 WHERE (o.recipient_id, o.channel, o.subject, o.body, o.link_url,
                        o.created_at, o.read_at)
                       IS DISTINCT FROM
                       (n.recipient_id, n.channel, n.subject, n.body, n.link_url,
                        n.created_at, n.read_at)
            ) AS changed (old_person, old_channel, new_person, new_channel),
            LATERAL (VALUES (old_person, old_channel), (new_person, new_channel))
                AS side (person, channel)
             WHERE side.channel = 'in_app' AND side.person IS NOT NULL));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER portal_messages_inserted_change_dashboards
AFTER INSERT ON notifications_notification REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION portal_messages_change_dashboards();

CREATE TRIGGER portal_messages_updated_change_dashboards
AFTER UPDATE ON notifications_notification
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION portal_messages_change_dashboards();

CREATE TRIGGER portal_messages_deleted_change_dashboards
AFTER DELETE ON notifications_notification REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION portal_messages_change_dashboards();

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
DROP TRIGGER IF EXISTS portal_messages_deleted_change_dashboards ON notifications_notification;
DROP TRIGGER IF EXISTS portal_messages_updated_change_dashboards ON notifications_notification;
DROP TRIGGER IF EXISTS portal_messages_inserted_change_dashboards ON notifications_notification;
DROP FUNCTION IF EXISTS portal_messages_change_dashboards();
DROP TRIGGER IF EXISTS portal_cases_deleted_change_dashboards ON cases_case;
DROP TRIGGER IF EXISTS portal_cases_updated_change_dashboards ON cases_case;
DROP TRIGGER IF EXISTS portal_cases_inserted_change_dashboards ON cases_case;
DROP FUNCTION IF EXISTS portal_cases_change_dashboards();
DROP FUNCTION IF EXISTS portal_raise_dashboard_versions(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_dashboard_version"),
        ("cases", "0003_case_language_known"),
        ("notifications", "0003_unread_index"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
