"""Reminder engine benchmark (`make bench`): license renewal rules over 1,000,000 licenses.

The licenses are loaded with `INSERT … SELECT generate_series` (seconds, not the hours one ORM
call per row would take): twelve types, expiry dates spread evenly over the next two years,
one license in four held by one of 10,000 accounts (some with SMS) and the rest imported
without an account. The rules are the ones the data migration makes: 90, 60, 30 and 7 days
before expiry, catching up 7 days. Each rule is one statement over the whole source of
1,000,000 rows; its window (the rows due today, plus the catch-up days) is what it reads.

The engine runs as the worker runs it: in a separate Python process started for the purpose
(Django and the project loaded, broker in memory), so its peak resident memory is the job's
and not this test process's. In that process every rule runs, timed one by one:

1. for yesterday, the first run ever: it catches up with every license whose current
   reminder fell due in the catch-up allowance (several days' worth at once);
2. for today, the ordinary daily run: the licenses whose reminder falls due today;
3. for today again, which must write nothing.

Budgets: each rule of the daily run ≤ 1 s, the daily run of all four ≤ 2 s, the worker's
peak memory ≤ 200 MB, the second run 0 rows. Figures go to tests/perf/results/reminders.{md,json}
and the report, with the `EXPLAIN ANALYZE` of one rule's statement on a day already done.

The dashboard's benchmark can run the engine the same way: `reminder_rule_run(rule=…,
today=…)` or `reminders_run(today=…)` from `notifications.services`.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection

from tests.perf.reminder_runs import reminder_runs_timed, rule_rows
from tests.perf.report import RESULTS_DIR, Budget

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

LICENSES = 1_000_000
ACCOUNTS = 10_000
TYPES = 12
OFFSETS = (90, 60, 30, 7)
RULE_SECONDS_BUDGET = 1.0
DAILY_SECONDS_BUDGET = 2.0
MEMORY_BUDGET_MB = 200.0

_LOAD_SQL = [
    # Types.
    """
    INSERT INTO licensing_licensetype (
        code, number_prefix, name, name_es, category, category_es, description,
        description_es, eligibility, eligibility_es, keywords, keywords_es,
        application_fee_cents, renewal_fee_cents, late_fee_cents, term_months,
        renewal_window_days, grace_days, review_target_days,
        auto_approve_renewals, active, published_at, created_at, updated_at)
    SELECT 'bench-' || n, 'BN' || chr(64 + n), 'Bench license ' || n, '', 'Bench', '', 'Bench',
           '', '', '', '', '',
           5000, 4000, 1500, 24, 90, 30, 30, true, true, now(), now(), now()
      FROM generate_series(1, %(types)s) AS n
    """,
    # Accounts: one in ten texts (with a phone number).
    """
    INSERT INTO accounts_user (
        password, is_superuser, email, is_staff, is_active, date_joined, full_name, phone,
        preferred_language, notify_by_email, notify_by_sms)
    SELECT '!', false, 'bench-holder-' || n || '@example.org', false, true, now(),
           'Holder ' || n, CASE WHEN n %% 10 = 0 THEN '+1202555' || lpad((n %% 10000)::text, 4, '0')
                           ELSE '' END,
           'en', true, n %% 10 = 0
      FROM generate_series(1, %(accounts)s) AS n
    """,
    # Licenses: expiry spread over the next two years; one in four held by an account.
    """
    INSERT INTO licensing_license (
        number, license_type_id, holder_id, holder_name, business_name, holder_email, status,
        issued_on, expires_on, legacy_reference, holder_phone, created_at, updated_at)
    SELECT 'BEN-' || lpad(n::text, 8, '0'),
           t.ids[1 + n %% %(types)s],
           CASE WHEN n %% 4 = 0 THEN u.ids[1 + (n / 4) %% %(accounts)s] END,
           'Holder ' || n, '',
           CASE WHEN n %% 4 = 0 THEN '' ELSE 'legacy-' || n || '@example.net' END,
           'active',
           %(today)s::date + (1 + n %% 730) - 730,
           %(today)s::date + (1 + n %% 730),
           '', '', now(), now()
      FROM generate_series(1, %(licenses)s) AS n,
           (SELECT array_agg(id ORDER BY id) AS ids FROM licensing_licensetype
             WHERE code LIKE 'bench-%%') AS t,
           (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_user
             WHERE email LIKE 'bench-holder-%%') AS u
    """,
    "ANALYZE licensing_licensetype",
    "ANALYZE accounts_user",
    "ANALYZE licensing_license",
]


@pytest.fixture(scope="module")
def million_licenses(django_db_setup, django_db_blocker):
    """Load the licenses once for the module, committed so the worker process sees them."""
    today = datetime.date.today()
    started = datetime.datetime.now()
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for statement in _LOAD_SQL:
            cursor.execute(
                statement,
                {"types": TYPES, "accounts": ACCOUNTS, "licenses": LICENSES, "today": today},
            )
        cursor.execute("SELECT count(*) FROM licensing_license")
        count = cursor.fetchone()[0]
        # The rules the data migration makes, sent at once (send-at midnight).
        cursor.execute("DELETE FROM notifications_reminderoccurrence")
        cursor.execute("DELETE FROM notifications_reminderrule")
        for days in OFFSETS:
            cursor.execute(
                """
                INSERT INTO notifications_reminderrule (
                    name, source, days, timing, scope, channels, template_key, send_at,
                    catch_up_days, active, created_at, updated_at)
                VALUES (%s, 'licensing.license_expiry', %s, 'before', '{}',
                        '{email,sms,in_app}', 'licensing/renewal_reminder', '00:00', 7, true,
                        now(), now())
                """,
                [f"License renewal: {days} days before expiry", days],
            )
    seconds = (datetime.datetime.now() - started).total_seconds()
    yield {"licenses": count, "load_seconds": seconds}
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM licensing_licenseevent")
        cursor.execute("DELETE FROM notifications_reminderoccurrence")
        cursor.execute(
            "DELETE FROM notifications_notification WHERE template_key = %s",
            ["licensing/renewal_reminder"],
        )
        cursor.execute("DELETE FROM licensing_license WHERE number LIKE 'BEN-%%'")
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE 'bench-holder-%%'")
        cursor.execute("DELETE FROM licensing_licensetype WHERE code LIKE 'bench-%%'")


def _write_results(figures: dict) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "reminders.json").write_text(json.dumps(figures, indent=2) + "\n")
    lines = [
        "# Reminder engine benchmark",
        "",
        f"{figures['date']}. Produced by `make bench` (tests/perf/test_reminders.py).",
        "",
        f"{figures['licenses']:,} licenses loaded in {figures['load_seconds']:.0f} s; four "
        "rules (90, 60, 30, 7 days before expiry, catch-up 7 days), each one statement over "
        "the whole source; the engine runs in its own Python process (Django loaded), as a "
        "Celery worker runs it.",
        "",
        "| run | rule | seconds | rows written | reminders | e-mail | SMS | in-app | timeline |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = ("first run (catch-up)", "daily run", "same day again")
    lines += rule_rows(names, figures["runs"], totals="all four")
    lines += [
        "",
        f"Worker process peak RSS: {figures['peak_mb']:.0f} MB "
        f"({figures['baseline_mb']:.0f} MB with Django loaded, before the job).",
        "",
        "## Plan of the 30-day rule's statement (EXPLAIN ANALYZE, a day already done)",
        "",
        "```",
        *figures["plan"],
        "```",
        "",
    ]
    (RESULTS_DIR / "reminders.md").write_text("\n".join(lines))


def test_reminder_rules_over_a_million_licenses(million_licenses, report):
    # given
    assert million_licenses["licenses"] >= LICENSES
    today = datetime.date.today()

    # when
    figures = reminder_runs_timed(
        days=[today - datetime.timedelta(days=1), today, today], explain_days=30, memory=True
    )

    # then
    first, daily, again = figures["runs"]
    figures.update(million_licenses)
    figures["date"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    _write_results(figures)
    print("\n" + (RESULTS_DIR / "reminders.md").read_text())
    assert first["rows"] > 0 and daily["rows"] > 0
    slowest = max(daily["rules"], key=lambda rule: rule["seconds"])
    budgets = [
        report.check(
            Budget(
                f"reminder engine, slowest rule of the daily run ({slowest['days']} days) "
                "over 1M licenses",
                round(slowest["seconds"], 2),
                RULE_SECONDS_BUDGET,
                "s",
                at_least=False,
            )
        ),
        report.check(
            Budget(
                "reminder engine, daily run of four rules over 1M licenses",
                round(daily["seconds"], 2),
                DAILY_SECONDS_BUDGET,
                "s",
                at_least=False,
            )
        ),
        report.check(
            Budget(
                "reminder engine, worker peak RSS",
                round(figures["peak_mb"], 1),
                MEMORY_BUDGET_MB,
                "MB",
                at_least=False,
            )
        ),
        report.check(
            Budget("reminder engine, second run rows", again["rows"], 0, "", at_least=False)
        ),
    ]
    missed = [budget.describe() for budget in budgets if not budget.met]
    assert not missed, "; ".join(missed)
