"""Concern reports benchmark (`make bench`): the Open311 list and the duplicate check as the
number of reports grows from 1,000 to 100,000.

Reports are inserted in bulk with SQL (building 100,000 through the service would take the
whole run); each is a concern case with its report row, spread over the agency's area and
the last 80 days, a third of them closed. Then:

- GET /open311/v2/requests.json under gunicorn (production settings): p95 latency and the
  number of SQL queries at 1,000, 10,000 and 100,000 reports must stay flat (each answer
  holds the spec's maximum of 1,000 requests, so the work per request is the same);
- the nearby-duplicates query (same category, open, within 50 m) at 100,000 reports:
  p95 under 20 ms, in process, over random points.

Figures go to tests/perf/results/concerns.{md,json} and the budgets into the run's report.
"""

from __future__ import annotations

import datetime
import json
import random
import statistics
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from concerns.geo import agency_area
from concerns.models import ConcernCategory
from concerns.selectors import nearby_open_reports
from tests.perf.load import run_load
from tests.perf.report import RESULTS_DIR, Budget
from tests.perf.server import bench_database_url, collect_static, gunicorn, production_environment

# django_db so the test database is set up; the reports themselves are committed by the
# module's fixtures (outside each test's transaction), so gunicorn's workers see them.
pytestmark = [pytest.mark.perf, pytest.mark.django_db]

SIZES = (1_000, 10_000, 100_000)
CATEGORIES = 12
REQUESTS = 60
CONCURRENCY = 2
NEARBY_SAMPLES = 300
# Flat: the p95 at 100,000 reports at most this many times the p95 at 1,000.
MAX_P95_GROWTH = 1.5
MAX_NEARBY_P95_MS = 20.0
LIST_PATH = "/open311/v2/requests.json"


def _grow_to(total: int, categories: list[int]) -> None:
    """Insert concern cases and reports until there are `total` benchmark reports."""
    area = agency_area()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case WHERE reference LIKE 'CON-1999-%%'")
        have = cursor.fetchone()[0]
        if have >= total:
            return
        cursor.execute(
            """
            INSERT INTO cases_case (
                reference, kind, status, guest_name, guest_email, guest_phone, anonymous,
                language, created_at, updated_at, submitted_at, due_date, closed_at
            )
            SELECT 'CON-1999-' || lpad(g::text, 7, '0'), 'concern_report',
                   CASE WHEN g %% 3 = 0 THEN 'closed' ELSE 'submitted' END,
                   '', '', '', true, 'en', t, t, t, (t + interval '5 days')::date,
                   CASE WHEN g %% 3 = 0 THEN t + interval '1 day' END
            FROM generate_series(%s, %s) AS g,
                 LATERAL (SELECT now() - random() * interval '80 days' + g * interval '0'
                          AS t) AS moment
            """,
            [have + 1, total],
        )
        cursor.execute(
            """
            INSERT INTO concerns_concernreport (
                case_id, category_id, description, address, latitude, longitude,
                location_from_photo, attributes, source, token, device_id, account_id,
                media_url, requested_at, close_reason, public_reason, redirect_contact,
                rating_comment
            )
            SELECT c.id, (%s::bigint[])[1 + c.id %% %s],
                   'Benchmark report ' || c.id, '',
                   round((%s + random() * (%s - %s))::numeric, 6),
                   round((%s + random() * (%s - %s))::numeric, 6),
                   false, '{}'::jsonb, 'web', gen_random_uuid(), '', '', '', c.submitted_at,
                   CASE WHEN c.closed_at IS NULL THEN '' ELSE 'fixed' END,
                   CASE WHEN c.closed_at IS NULL THEN '' ELSE 'Fixed by the crew.' END, '', ''
            FROM cases_case c
            WHERE c.reference LIKE 'CON-1999-%%'
              AND NOT EXISTS (SELECT 1 FROM concerns_concernreport r WHERE r.case_id = c.id)
            """,
            [
                categories,
                len(categories),
                float(area.south),
                float(area.north),
                float(area.south),
                float(area.west),
                float(area.east),
                float(area.west),
            ],
        )
        cursor.execute("ANALYZE cases_case")
        cursor.execute("ANALYZE concerns_concernreport")


@pytest.fixture(scope="module")
def categories(django_db_setup, django_db_blocker) -> list[int]:
    with django_db_blocker.unblock():
        return [
            ConcernCategory.objects.get_or_create(
                code=f"bench-{number}",
                defaults={"name": f"Benchmark category {number}", "published_at": timezone.now()},
            )[0].pk
            for number in range(CATEGORIES)
        ]


@pytest.fixture(scope="module")
def api_server(categories, tmp_path_factory):
    folder = tmp_path_factory.mktemp("concerns-bench")
    environment = production_environment(
        database_url=bench_database_url(), static_root=folder / "static"
    )
    collect_static(environment)
    with gunicorn(environment, log_file=folder / "gunicorn.log") as server:
        yield server


@pytest.fixture(scope="module")
def figures():
    collected = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "list": [],
    }
    yield collected
    if collected["list"] and "nearby_p95_ms" in collected:
        _write_results(collected)
        print("\n" + Path(RESULTS_DIR / "concerns.md").read_text())


def _write_results(figures: dict) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "concerns.json").write_text(json.dumps(figures, indent=2) + "\n")
    lines = [
        "# Concern reports benchmark",
        "",
        f"{figures['date']}. Produced by `make bench` (tests/perf/test_concerns_bench.py).",
        "",
        f"## GET {LIST_PATH} (gunicorn, 2 sync workers, loopback, {CONCURRENCY} clients)",
        "",
        "| reports | requests in answer | SQL queries | median ms | p95 ms |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {row['reports']} | {row['returned']} | {row['queries']} | "
        f"{row['median_ms']:.1f} | {row['p95_ms']:.1f} |"
        for row in figures["list"]
    ]
    lines += [
        "",
        "## Nearby duplicates (same category, open, within 50 m), in process",
        "",
        "| reports | samples | found on average | median ms | p95 ms |",
        "| ---: | ---: | ---: | ---: | ---: |",
        f"| {figures['nearby_reports']} | {NEARBY_SAMPLES} | {figures['nearby_found']:.2f} | "
        f"{figures['nearby_median_ms']:.2f} | {figures['nearby_p95_ms']:.2f} |",
        "",
    ]
    (RESULTS_DIR / "concerns.md").write_text("\n".join(lines))


@pytest.fixture(scope="module", params=SIZES, ids=lambda size: f"{size}-reports")
def reports(request, categories, django_db_blocker) -> int:
    """The database grown to 1,000, then 10,000, then 100,000 benchmark reports."""
    with django_db_blocker.unblock():
        _grow_to(request.param, categories)
    return request.param


def test_open311_list_at_each_size(reports, api_server, report, figures):
    # given
    load = {"host": api_server.host, "port": api_server.port, "concurrency": CONCURRENCY}
    with CaptureQueriesContext(connection) as queries:
        answer = Client().get(LIST_PATH)
    assert answer.status_code == 200
    run_load(path=LIST_PATH, requests=10, **load)  # warm-up

    # when
    result = run_load(path=LIST_PATH, requests=REQUESTS, **load)

    # then
    figures["list"].append(
        {
            "reports": reports,
            "returned": len(answer.json()),
            "queries": len(queries),
            "median_ms": result.median_ms,
            "p95_ms": result.p95_ms,
        }
    )
    report.queries.append(
        {"page": "open311 requests.json", "cases": reports, "queries": len(queries)}
    )
    assert len(answer.json()) == 1000


def test_open311_list_stays_flat_from_1000_to_100000_reports(report, figures):
    rows = sorted(figures["list"], key=lambda row: row["reports"])
    assert [row["reports"] for row in rows] == list(SIZES)
    first, last = rows[0], rows[-1]
    queries = report.check(
        Budget(
            "Open311 list: queries at 100,000 reports minus at 1,000",
            last["queries"] - first["queries"],
            0,
            "queries",
            False,
        )
    )
    growth = report.check(
        Budget(
            "Open311 list: p95 at 100,000 reports / p95 at 1,000",
            round(last["p95_ms"] / first["p95_ms"], 2),
            MAX_P95_GROWTH,
            "x",
            False,
        )
    )
    report.notes.append(
        f"Open311 requests.json (1,000 requests per answer): p95 {first['p95_ms']:.0f} ms at "
        f"1,000 reports, {last['p95_ms']:.0f} ms at 100,000; {last['queries']} SQL queries."
    )
    assert queries.met, queries.describe()
    assert growth.met, growth.describe()


def test_nearby_duplicates_query_under_20_ms_at_100000_reports(
    categories, django_db_blocker, report, figures
):
    # given
    rng = random.Random(311)
    area = agency_area()
    with django_db_blocker.unblock():
        _grow_to(SIZES[-1], categories)
        by_pk = ConcernCategory.objects.in_bulk(categories)
        points = [
            (
                by_pk[rng.choice(categories)],
                rng.uniform(float(area.south), float(area.north)),
                rng.uniform(float(area.west), float(area.east)),
            )
            for _ in range(NEARBY_SAMPLES)
        ]
        nearby_open_reports(category=points[0][0], latitude=points[0][1], longitude=points[0][2])

        # when
        timings, found = [], []
        for category, latitude, longitude in points:
            started = time.perf_counter()
            rows = nearby_open_reports(category=category, latitude=latitude, longitude=longitude)
            timings.append((time.perf_counter() - started) * 1000)
            found.append(len(rows))

    # then
    p95 = statistics.quantiles(timings, n=100, method="inclusive")[94]
    figures.update(
        nearby_reports=SIZES[-1],
        nearby_found=sum(found) / len(found),
        nearby_median_ms=statistics.median(timings),
        nearby_p95_ms=p95,
    )
    budget = report.check(
        Budget(
            "Nearby duplicates query p95 at 100,000 reports",
            round(p95, 2),
            MAX_NEARBY_P95_MS,
            "ms",
            False,
        )
    )
    assert budget.met, budget.describe()
