"""Tax-reminder benchmark (`make bench`): the instalment-due rules over 1,000,000 instalments.

The roll is loaded with `INSERT … SELECT generate_series`: 250,000 parcels, each with one
bill of four instalments (1,000,000 instalments) sharing the agency's four due dates, as a
real roll does, so every linked parcel's instalment falls due on the same day. One parcel in
ten is linked to an account (25,000 links by 20,000 accounts, one in ten texting), one link
in five names another recipient, one bill in three has paid its instalment already, and one
in twenty is escrowed. The second instalment is due 14 days from today.

The engine runs as the worker runs it, in its own Python process (Django loaded): the three
rules of the source (14 and 3 days before, and on the day), timed one by one, for today, then
for today again, which must write nothing. Budgets: the 14-day rule, the one with work to do,
≤ 1 s; the second run 0 rows. Figures go to tests/perf/results/taxes_reminders.{md,json},
with the `EXPLAIN ANALYZE` of the 14-day rule's statement on the day already done.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection

from tests.perf.reminder_runs import reminder_runs_timed, rule_rows
from tests.perf.report import RESULTS_DIR, Budget

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

PARCELS = 250_000
ACCOUNTS = 20_000
LINK_EVERY = 10  # one parcel in ten is linked
RULE_SECONDS_BUDGET = 1.0
SOURCE = "taxes.instalment_due"

_LOAD_SQL = [
    """
    INSERT INTO taxes_parcel (number, situs_address, land_use, created_at, updated_at)
    SELECT 'TB-' || lpad(n::text, 7, '0'), n || ' BENCH STREET', 'residential', now(), now()
      FROM generate_series(1, %(parcels)s) AS n
    """,
    """
    INSERT INTO taxes_taxbill (parcel_id, tax_year, number, access_code, escrow_lender,
                               created_at, updated_at)
    SELECT p.id, 2026, 'TB-' || p.id,
           upper(substr(md5(p.id::text), 1, 12)),
           CASE WHEN p.id %% 20 = 0 THEN 'Bench Lender' ELSE '' END, now(), now()
      FROM taxes_parcel AS p WHERE p.number LIKE 'TB-%%'
    """,
    # Four instalments per bill, on the agency's four due dates; the second in 14 days. One
    # bill in three has paid its second instalment already.
    """
    INSERT INTO taxes_instalment (bill_id, sequence, due_date, amount_cents,
                                  adjustment_cents, principal_paid_cents, penalty_paid_cents,
                                  interest_paid_cents, discount_cents, created_at, updated_at)
    SELECT b.id, s, %(due)s::date + (s - 2) * 91, 50000, 0,
           CASE WHEN s <= 2 AND b.id %% 3 = 0 THEN 50000 ELSE 0 END, 0, 0, 0, now(), now()
      FROM taxes_taxbill AS b, generate_series(1, 4) AS s
     WHERE b.number LIKE 'TB-%%'
    """,
    """
    INSERT INTO accounts_user (
        password, is_superuser, email, is_staff, is_active, date_joined, full_name, phone,
        preferred_language, notify_by_email, notify_by_sms)
    SELECT '!', false, 'bench-owner-' || n || '@example.org', false, true, now(),
           'Owner ' || n,
           CASE WHEN n %% 10 = 0 THEN '+1202555' || lpad((n %% 10000)::text, 4, '0') ELSE '' END,
           CASE WHEN n %% 4 = 0 THEN 'es' ELSE 'en' END, true, n %% 10 = 0
      FROM generate_series(1, %(accounts)s) AS n
    """,
    """
    INSERT INTO taxes_parcellink (user_id, parcel_id, paperless_since, created_at, updated_at)
    SELECT u.ids[1 + (p.id / %(every)s) %% %(accounts)s], p.id,
           CASE WHEN p.id %% 2 = 0 THEN now() END, now(), now()
      FROM taxes_parcel AS p,
           (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_user
             WHERE email LIKE 'bench-owner-%%') AS u
     WHERE p.number LIKE 'TB-%%' AND p.id %% %(every)s = 0
    """,
    """
    INSERT INTO taxes_billrecipient (link_id, email, name, relationship, created_at,
                                     updated_at, confirmed_at)
    SELECT l.id, 'bench-delegate-' || l.id || '@example.net', '', 'accountant', now(), now(),
           now()
      FROM taxes_parcellink AS l
      JOIN taxes_parcel AS p ON p.id = l.parcel_id
     WHERE p.number LIKE 'TB-%%' AND l.id %% 5 = 0
    """,
    # What autovacuum does to freshly loaded tables on a live database (statistics, and the
    # vacuum that inserts trigger since PostgreSQL 13) before a reminder run days later:
    # without it the run would pay for setting the new rows' hint bits.
    "VACUUM (ANALYZE) taxes_parcel, taxes_taxbill, taxes_instalment, accounts_user, "
    "taxes_parcellink, taxes_billrecipient",
]


@pytest.fixture(scope="module")
def million_instalments(django_db_setup, django_db_blocker):
    """Load the roll once for the module, committed so the worker process sees it."""
    today = datetime.date.today()
    params = {
        "parcels": PARCELS,
        "accounts": ACCOUNTS,
        "every": LINK_EVERY,
        "due": today + datetime.timedelta(days=14),
    }
    started = datetime.datetime.now()
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for statement in _LOAD_SQL:
            cursor.execute(statement, params)
        # The rules the migration makes, sent at once (send-at midnight).
        cursor.execute(
            "UPDATE notifications_reminderrule SET send_at = '00:00' WHERE source = %s",
            [SOURCE],
        )
    seconds = (datetime.datetime.now() - started).total_seconds()
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM taxes_instalment")
        instalments = cursor.fetchone()[0]
    yield {"load_seconds": seconds, "instalments": instalments}
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM taxes_billevent")
        cursor.execute(
            "DELETE FROM notifications_reminderoccurrence WHERE rule_id IN "
            "(SELECT id FROM notifications_reminderrule WHERE source = %s)",
            [SOURCE],
        )
        cursor.execute(
            "DELETE FROM notifications_notification WHERE template_key = %s",
            ["taxes/instalment_reminder"],
        )
        cursor.execute("DELETE FROM taxes_billrecipient")
        cursor.execute("DELETE FROM taxes_parcellink")
        cursor.execute(
            "DELETE FROM taxes_instalment WHERE bill_id IN "
            "(SELECT id FROM taxes_taxbill WHERE number LIKE 'TB-%%')"
        )
        cursor.execute("DELETE FROM taxes_taxbill WHERE number LIKE 'TB-%%'")
        cursor.execute("DELETE FROM taxes_parcel WHERE number LIKE 'TB-%%'")
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE 'bench-owner-%%'")


def _write_results(figures: dict) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "taxes_reminders.json").write_text(json.dumps(figures, indent=2) + "\n")
    lines = [
        "# Tax-reminder benchmark",
        "",
        f"{figures['date']}. Produced by `make bench` (tests/perf/test_taxes_reminders.py).",
        "",
        f"{figures['instalments']:,} instalments (250,000 bills of four, on four shared due "
        f"dates) loaded in {figures['load_seconds']:.0f} s; 25,000 linked parcels, 5,000 "
        "other recipients; the three rules of the source, each one statement, in their own "
        "Python process.",
        "",
        "| run | rule | seconds | rows written | reminders | e-mail | SMS | in-app | timeline |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += rule_rows(("daily run", "same day again"), figures["runs"])
    lines += [
        "",
        "## Plan of the 14-day rule's statement (EXPLAIN ANALYZE, the day already done)",
        "",
        "```",
        *figures["plan"],
        "```",
        "",
    ]
    (RESULTS_DIR / "taxes_reminders.md").write_text("\n".join(lines))


def test_tax_reminder_rule_over_a_million_instalments(million_instalments, report):
    # given
    today = datetime.date.today()

    # when
    figures = reminder_runs_timed(days=[today, today], explain_days=14, source=SOURCE)

    # then
    daily, again = figures["runs"]
    figures.update(million_instalments)
    figures["date"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    _write_results(figures)
    print("\n" + (RESULTS_DIR / "taxes_reminders.md").read_text())
    assert figures["instalments"] >= 1_000_000
    fourteen = next(rule for rule in daily["rules"] if rule["days"] == 14)
    assert fourteen["fired"] > 0
    budgets = [
        report.check(
            Budget(
                "tax reminders, 14-day rule over 1M instalments",
                round(fourteen["seconds"], 2),
                RULE_SECONDS_BUDGET,
                "s",
                at_least=False,
            )
        ),
        report.check(
            Budget("tax reminders, second run rows", again["rows"], 0, "", at_least=False)
        ),
    ]
    missed = [budget.describe() for budget in budgets if not budget.met]
    assert not missed, "; ".join(missed)
