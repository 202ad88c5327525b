"""Analytics benchmark (`make bench`): every chart of the supervisors' dashboard and the
public performance page over 1,000,000 cases.

Cases are inserted in bulk with SQL (one `INSERT … SELECT generate_series`), spread over the
services whose workflows are declared, six departments and three years of submissions, two
in three closed between the day they were sent and 60 days later, each with a due date 20
days after submission; 500,000 messages over four channels and five outcomes, the same
three years. Then the summaries are rebuilt once by the beat task's service (timed), and:

- each chart's read (`portal.analytics.selectors`, the last 52 weeks, the longest period
  offered), in process, ROUNDS times: p95 at most 200 ms (budget);
- each chart's SVG and the whole dashboard through the Django test client, signed in as a
  supervisor, and the public page: median and p95 (reported);
- the same weekly counts and median read live from the cases table, to show why the
  summaries are there (reported).

The map of concern reports by category (`selectors.report_map`, read from the summary of
reports per week, category, department and square) is measured in its own test over
1,000,000 reports, one on each of the cases above (the map reads a report's date, place,
category and its case's department, never the case's service), in six categories, one per
department, nine in ten with a point spread over the agency's area: the summaries rebuilt
again with the reports (timed), then read by a reader of every department and by one
department's reader, p95 at most 200 ms, with each query's `EXPLAIN (ANALYZE, BUFFERS)`, the
same cells as the live count of the reports (`report_map_cells_live`, timed once each).

Payments are not bulk-loaded: the revenue charts read one row per day, service and gateway,
however many payments there are, and the refresh's cost over payments is reported by the
number it found. Figures go to tests/perf/results/analytics.{md,json} and the budgets into
the run's report.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test import Client

from cases.models import Department
from portal.analytics import selectors
from portal.analytics.refresh import summaries_refresh
from portal.analytics.selectors.map_charts import report_map_cells, report_map_cells_live
from tests.accounts.factories import StaffFactory
from tests.perf.report import RESULTS_DIR, Budget

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

# BENCH_ANALYTICS_CASES: fewer cases, to try the benchmark itself out quickly.
CASES = int(os.environ.get("BENCH_ANALYTICS_CASES", "1000000"))
MESSAGES = CASES // 2
ROUNDS = 30
WEEKS = 52
MAX_CHART_P95_MS = 200.0
REFERENCE_PREFIX = "ANA-1999-"
DEPARTMENTS = 6


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _timed(call, rounds: int = ROUNDS) -> tuple[float, float]:
    """(median ms, p95 ms) of `call()` over `rounds` runs after one warm-up."""
    call()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), _p95(samples)


def _load(cursor) -> None:
    cursor.execute(
        "INSERT INTO cases_department (name, code, created_at, updated_at) "
        "SELECT 'Benchmark department ' || n, 'ANA_BENCH_' || n, now(), now() "
        "FROM generate_series(1, %s) AS n ON CONFLICT (code) DO NOTHING",
        [DEPARTMENTS],
    )
    cursor.execute("SELECT array_agg(id) FROM cases_department WHERE code LIKE 'ANA_BENCH_%%'")
    departments = cursor.fetchone()[0]
    # One open and one final status of each declared service, so every row is one its
    # workflow allows (the composite foreign key to cases_declaredstatus).
    cursor.execute(
        """
        SELECT case_kind, min(code) FILTER (WHERE phase = 'open' AND code <> 'draft'),
               min(code) FILTER (WHERE phase = 'final')
          FROM cases_declaredstatus GROUP BY case_kind
        HAVING count(*) FILTER (WHERE phase = 'open' AND code <> 'draft') > 0
           AND count(*) FILTER (WHERE phase = 'final') > 0
         ORDER BY case_kind
        """
    )
    kinds, opens, finals = map(list, zip(*cursor.fetchall(), strict=True))
    cursor.execute(
        """
        INSERT INTO cases_case (
            reference, kind, status, guest_name, guest_email, guest_phone, anonymous,
            language, created_at, updated_at, submitted_at, due_date, closed_at, department_id
        )
        SELECT %(prefix)s || lpad(g::text, 7, '0'), (%(kinds)s::text[])[k],
               CASE WHEN closed THEN (%(finals)s::text[])[k] ELSE (%(opens)s::text[])[k] END,
               '', '', '', true, 'en', sent, sent, sent, (sent + interval '20 days')::date,
               CASE WHEN closed THEN sent + (g %% 61) * interval '1 day' END,
               (%(departments)s::bigint[])[1 + g %% %(department_count)s]
          FROM generate_series(1, %(cases)s) AS g,
               LATERAL (SELECT 1 + g %% %(kind_count)s AS k, g %% 3 <> 0 AS closed,
                               now() - interval '1095 days' * (g::float8 / %(cases)s)
                                     - interval '61 days' * (g %% 3 <> 0)::int AS sent) AS row
        """,
        {
            "prefix": REFERENCE_PREFIX,
            "kinds": kinds,
            "opens": opens,
            "finals": finals,
            "kind_count": len(kinds),
            "departments": departments,
            "department_count": len(departments),
            "cases": CASES,
        },
    )
    cursor.execute(
        """
        INSERT INTO notifications_notification (
            recipient_id, to_address, channel, template_key, context, language, status,
            attempts, last_error, dedupe_key, available_at, claimed_until, sent_at, read_at,
            provider_message_id, subject, body, link_url, created_at, updated_at
        )
        SELECT NULL, 'bench@example.org', (ARRAY['email', 'sms'])[1 + g %% 2],
               'bench/message', '{}'::jsonb, 'en',
               (ARRAY['sent', 'sent', 'sent', 'failed', 'skipped', 'pending'])[1 + g %% 6],
               1, '', 'analytics-bench-' || g, made, NULL,
               CASE WHEN g %% 6 < 3 THEN made END, NULL, '', '', '', '', made, made
          FROM generate_series(1, %(messages)s) AS g,
               LATERAL (SELECT now() - interval '1095 days' * (g::float8 / %(messages)s)
                        AS made) AS row
        """,
        {"messages": MESSAGES},
    )
    cursor.execute("ANALYZE cases_case")
    cursor.execute("ANALYZE notifications_notification")


def _clear(cursor) -> None:
    for table in (
        "analytics_caseweek",
        "analytics_closeduration",
        "analytics_backlogage",
        "analytics_revenueday",
        "analytics_gatewayattentionday",
        "analytics_messageday",
        "analytics_summaryrefresh",
    ):
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a constant name)
    cursor.execute(
        "DELETE FROM notifications_notification WHERE dedupe_key LIKE 'analytics-bench-%%'"
    )
    cursor.execute(
        "DELETE FROM concerns_concernreport WHERE case_id IN "
        "(SELECT id FROM cases_case WHERE reference LIKE %s)",
        [REFERENCE_PREFIX + "%"],
    )
    cursor.execute("DELETE FROM concerns_concerncategory WHERE code LIKE 'ana-bench-%%'")
    cursor.execute("DELETE FROM cases_case WHERE reference LIKE %s", [REFERENCE_PREFIX + "%"])
    cursor.execute("DELETE FROM cases_department WHERE code LIKE 'ANA_BENCH_%%'")


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The cases and messages committed (outside the tests' transactions), the summaries
    rebuilt once; cleared afterwards so later benchmarks count only their own rows."""
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            started = time.perf_counter()
            _load(cursor)
            load_seconds = time.perf_counter() - started
        refresh = summaries_refresh()
        first = refresh.seconds
        second = summaries_refresh().seconds
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM payments_payment")
            payments = cursor.fetchone()[0]
    yield {"load_s": load_seconds, "refresh_s": first, "refresh_again_s": second,
           "payments": payments}  # fmt: skip
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        _clear(cursor)


def _live_figures() -> dict[str, tuple[float, float]]:
    """The weekly counts and a median read from the cases table itself, for comparison."""

    def weekly_counts():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT date_trunc('week', submitted_at), kind, count(*) FROM cases_case "
                "WHERE submitted_at >= now() - interval '52 weeks' GROUP BY 1, 2"
            )
            cursor.fetchall()

    def median_to_close():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT kind, percentile_cont(0.5) WITHIN GROUP "
                "(ORDER BY closed_at::date - submitted_at::date) FROM cases_case "
                "WHERE closed_at >= now() - interval '52 weeks' GROUP BY kind"
            )
            cursor.fetchall()

    return {
        "live weekly counts (cases table)": _timed(weekly_counts, rounds=5),
        "live median days to close (cases table)": _timed(median_to_close, rounds=5),
    }


def test_every_chart_reads_in_under_200_ms_over_a_million_cases(loaded, report):
    # given
    supervisor = StaffFactory(roles=["supervisor"])
    TOTP.activate(supervisor, generate_totp_secret())
    client = Client()
    client.force_login(supervisor)
    public = Client()

    # when
    scope = selectors.analytics_scope(user=supervisor)
    reads = {
        key: _timed(lambda read=read: read(weeks=WEEKS, scope=scope))
        for key, read in selectors.CHARTS.items()
    }
    reads["performance (public)"] = _timed(lambda: selectors.public_performance(weeks=WEEKS))
    pages = {
        f"/staff/analytics/{key}.svg": _timed(
            lambda key=key: client.get(f"/staff/analytics/{key}.svg?weeks={WEEKS}"), rounds=10
        )
        for key in selectors.CHARTS
    }
    pages[f"/staff/analytics/?weeks={WEEKS}"] = _timed(
        lambda: client.get(f"/staff/analytics/?weeks={WEEKS}"), rounds=10
    )
    pages["/performance/"] = _timed(lambda: public.get("/performance/"), rounds=10)
    live = _live_figures()

    # then
    assert client.get(f"/staff/analytics/?weeks={WEEKS}").status_code == 200
    figures = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cases": CASES,
        "messages": MESSAGES,
        **loaded,
        "reads": {key: {"median_ms": m, "p95_ms": p} for key, (m, p) in reads.items()},
        "pages": {key: {"median_ms": m, "p95_ms": p} for key, (m, p) in pages.items()},
        "live": {key: {"median_ms": m, "p95_ms": p} for key, (m, p) in live.items()},
    }
    _write_results(figures)
    report.notes.append(
        f"analytics: summaries rebuilt over {CASES:,} cases and {MESSAGES:,} messages in "
        f"{loaded['refresh_s']:.1f} s (again: {loaded['refresh_again_s']:.1f} s)"
    )
    slowest = max(reads, key=lambda key: reads[key][1])
    budget = report.check(
        Budget(
            name=f"analytics chart read p95 over {CASES:,} cases, slowest ({slowest})",
            measured=round(reads[slowest][1], 1),
            limit=MAX_CHART_P95_MS,
            unit="ms",
            at_least=False,
        )
    )
    assert budget.met, budget.describe()


def _write_results(figures: dict) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "analytics.json").write_text(json.dumps(figures, indent=2) + "\n")
    lines = [
        "# Analytics benchmark",
        "",
        f"{figures['date']}. Produced by `make bench` (tests/perf/test_analytics_bench.py).",
        "",
        f"{figures['cases']:,} cases and {figures['messages']:,} messages loaded in "
        f"{figures['load_s']:.1f} s; summaries rebuilt in {figures['refresh_s']:.1f} s "
        f"(again: {figures['refresh_again_s']:.1f} s); {figures['payments']:,} payments.",
        "",
        "| what (last 52 weeks) | median ms | p95 ms |",
        "| --- | ---: | ---: |",
    ]
    for group in ("reads", "pages", "live"):
        lines += [
            f"| {group[:-1] if group != 'live' else 'live'}: {key} | {row['median_ms']:.1f} | "
            f"{row['p95_ms']:.1f} |"
            for key, row in figures[group].items()
        ]
    lines.append("")
    (RESULTS_DIR / "analytics.md").write_text("\n".join(lines))
    print("\n" + Path(RESULTS_DIR / "analytics.md").read_text())


def _load_reports(cursor) -> None:
    """One concern report on each benchmark case, in its department's category, nine in
    ten with a point in the agency's area (0.2 by 0.2 degrees: 400 of the map's squares)."""
    cursor.execute(
        """
        INSERT INTO concerns_concerncategory (
            code, name, name_es, "group", group_es, description, description_es, keywords,
            keywords_es, department_id,
            target_days, active, location_required, photo_required, "order", published_at,
            created_at, updated_at
        )
        SELECT 'ana-bench-' || lower(d.code), 'Benchmark category ' || d.code, '', 'Benchmark',
               '', '', '', '', '', d.id, 5, true, false, false, 100, now(), now(), now()
          FROM cases_department d WHERE d.code LIKE 'ANA_BENCH_%%'
        """
    )
    cursor.execute(
        """
        INSERT INTO concerns_concernreport (
            case_id, category_id, description, address, latitude, longitude,
            location_from_photo, attributes, source, token, device_id, account_id, media_url,
            requested_at, close_reason, public_reason, redirect_contact, rating_comment
        )
        SELECT c.id, cat.id, '', '',
               CASE WHEN c.id %% 10 <> 0 THEN 39.7 + (c.id * 7919 %% 20000) / 100000.0 END,
               CASE WHEN c.id %% 10 <> 0 THEN -89.75 + (c.id * 104729 %% 20000) / 100000.0 END,
               false, '{}'::jsonb, 'web', gen_random_uuid(), '', '', '', c.submitted_at,
               '', '', '', ''
          FROM cases_case c
          JOIN cases_department d ON d.id = c.department_id
          JOIN concerns_concerncategory cat ON cat.code = 'ana-bench-' || lower(d.code)
         WHERE c.reference LIKE %s
        """,
        [REFERENCE_PREFIX + "%"],
    )


def _explain(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture(scope="module")
def reports_loaded(loaded, django_db_blocker):
    """The concern reports on the loaded cases, committed and vacuumed (so the map's index
    is read alone, as on a server where autovacuum has run); cleared with the cases."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        started = time.perf_counter()
        _load_reports(cursor)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM concerns_concernreport")
        reports = cursor.fetchone()[0]
        cursor.execute("VACUUM ANALYZE concerns_concernreport")
        cursor.execute("VACUUM ANALYZE cases_case")
        cursor.execute("SELECT array_agg(id ORDER BY code) FROM cases_department "
                       "WHERE code LIKE 'ANA_BENCH_%%'")  # fmt: skip
        departments = cursor.fetchone()[0]
        started = time.perf_counter()
        summaries_refresh()
        refresh_s = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM analytics_reportcellweek")
        cells = cursor.fetchone()[0]
        cursor.execute("VACUUM ANALYZE analytics_reportcellweek")
    return {
        "reports": reports,
        "load_s": seconds,
        "departments": departments,
        "refresh_s": refresh_s,
        "cells": cells,
    }


def test_the_reports_map_reads_in_under_200_ms_over_a_million_reports(reports_loaded, report):
    # given: a supervisor across the agency and one of a single department
    department = reports_loaded["departments"][0]
    everywhere = StaffFactory(roles=[("supervisor", None)])
    one = StaffFactory(roles=[("supervisor", Department.objects.get(pk=department))])
    scopes = {
        "every department": selectors.analytics_scope(user=everywhere),
        "one department": selectors.analytics_scope(user=one),
    }

    # when
    reads = {
        name: _timed(lambda scope=scope: selectors.report_map(weeks=WEEKS, scope=scope))
        for name, scope in scopes.items()
    }
    plans, live = {}, {}
    for name, scope in scopes.items():
        figures = selectors.report_map(weeks=WEEKS, scope=scope)
        assert not figures.empty
        summary = report_map_cells(weeks=WEEKS, scope=scope)
        plans[name] = _explain(*summary.query.sql_with_params())
        started = time.perf_counter()
        counted = list(report_map_cells_live(weeks=WEEKS, scope=scope))
        live[name] = (time.perf_counter() - started) * 1000

        def key(cell):
            return cell["category"], cell["cell_lat"], cell["cell_lon"], cell["reports"]

        assert sorted(map(key, summary)) == sorted(map(key, counted)), name

    # then
    lines = [
        "# Analytics benchmark: the reports map",
        "",
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}. Produced by `make bench` "
        "(tests/perf/test_analytics_bench.py).",
        "",
        f"{reports_loaded['reports']:,} concern reports loaded in "
        f"{reports_loaded['load_s']:.1f} s; summaries rebuilt with them in "
        f"{reports_loaded['refresh_s']:.1f} s ({reports_loaded['cells']:,} rows of the map's "
        "summary); load average before the reads: "
        f"{Path('/proc/loadavg').read_text().split()[0]}.",
        "",
        "| report_map, last 52 weeks | median ms | p95 ms | live count, once (ms) |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {name} | {m:.1f} | {p:.1f} | {live[name]:.0f} |" for name, (m, p) in reads.items()],
        "",
    ]
    for name, plan in plans.items():
        lines += [f"## {name}", "", "```", plan, "```", ""]
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "analytics_map.md").write_text("\n".join(lines))
    print("\n" + "\n".join(lines))
    slowest = max(reads, key=lambda name: reads[name][1])
    budget = report.check(
        Budget(
            name=f"reports map read p95 over {reports_loaded['reports']:,} reports ({slowest})",
            measured=round(reads[slowest][1], 1),
            limit=MAX_CHART_P95_MS,
            unit="ms",
            at_least=False,
        )
    )
    assert budget.met, budget.describe()
