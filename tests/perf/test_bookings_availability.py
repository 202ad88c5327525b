"""Facility availability benchmark (`make bench`, issue 15 §7): the public availability page of
one facility as its bookings grow from 1,000 to 1,000,000.

All the bookings are the measured facility's own, so its rows are the ones the page's index
scan must skip: 14 confirmed hours in the week (two a day) the page shows, the rest confirmed hours
before it, one after the other going back (they never overlap, so the exclusion constraint
accepts them), inserted with INSERT ... SELECT from generate_series. At each size, under
gunicorn with production settings, the week view's p95 latency (REQUESTS requests in ROUNDS
rounds after a warm-up, 2 clients) and its number of SQL queries (the same page in process).
No more queries at the largest size than at 1,000, and the p95 there at most MAX_P95_GROWTH
times the p95 at 1,000 (plus NOISE_MS of allowance for a shared machine), as for the permit
search (tests/perf/test_permits_search.py).

BENCH_BOOKINGS sets the largest size (1,000,000 unless told). Figures go to
tests/perf/results/bookings_availability.{md,json} and the budgets into the report.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.bookings.factories import FacilityFactory
from tests.perf.load import LoadResult, run_load
from tests.perf.report import RESULTS_DIR, Budget
from tests.perf.server import bench_database_url, collect_static, gunicorn, production_environment

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

LARGEST = int(os.environ.get("BENCH_BOOKINGS", "1000000"))
SIZES = tuple(sorted({1_000, min(100_000, LARGEST), LARGEST}))
IN_WEEK = 14
REQUESTS = 160
ROUNDS = 4
WARM_UP_REQUESTS = 10
CONCURRENCY = 2
MAX_P95_GROWTH = 1.5
NOISE_MS = 5.0
TZ = ZoneInfo(settings.TIME_ZONE)
CODE = "bench-hall"
PREFIX = "BA"

INSERT_BOOKINGS = """
INSERT INTO bookings_booking (
    created_at, updated_at, facility_id, reference, kind, status, period, buffered,
    hold_expires_at, holder_key, guest_name, guest_email, guest_phone, resident, answers,
    price_cents, deposit_cents, refunded_cents, ics_sequence, conditions, decline_reason,
    block_reason, deposit_kept_cents, deposit_reason
)
SELECT %(now)s, %(now)s, %(facility)s, %(prefix)s || lpad(i::text, 8, '0'), 'booking',
       'confirmed', r, r, NULL, '', 'Bench Guest', 'guest@example.org', '', true,
       '{}'::jsonb, 2500, 0, 0, 0, '', '', '', 0, ''
FROM generate_series(%(first)s, %(last)s) AS i,
     LATERAL (SELECT CASE
         WHEN i <= %(in_week)s THEN tstzrange(
             %(week)s + ((i - 1) / 2) * interval '1 day'
                      + (9 + ((i - 1) %% 2) * 5) * interval '1 hour',
             %(week)s + ((i - 1) / 2) * interval '1 day'
                      + (10 + ((i - 1) %% 2) * 5) * interval '1 hour', '[)')
         ELSE tstzrange(%(week)s - (i - %(in_week)s) * interval '1 hour',
                        %(week)s - (i - %(in_week)s - 1) * interval '1 hour', '[)')
     END AS r) AS ranges
"""


@pytest.fixture(scope="module")
def hall(django_db_setup, django_db_blocker):
    """The facility, the first day of the measured week, and how many bookings it has."""
    with django_db_blocker.unblock():
        facility = FacilityFactory(code=CODE, name="Bench hall", closed_on_holidays=False)
    week = timezone.localdate() + datetime.timedelta(days=7)
    state = {"facility": facility, "week": week, "size": 0}
    yield state
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM bookings_booking WHERE facility_id = %s", [facility.pk])
        cursor.execute("DELETE FROM bookings_openinghours WHERE facility_id = %s", [facility.pk])
        cursor.execute("DELETE FROM bookings_facility WHERE id = %s", [facility.pk])
        cursor.execute("VACUUM (ANALYZE) bookings_booking")


@pytest.fixture(scope="module")
def availability_server(hall, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bookings-availability-bench")
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
        "sizes": [],
        "notes": [],
    }
    yield collected
    if collected["sizes"]:
        _write_results(collected)
        print("\n" + Path(RESULTS_DIR / "bookings_availability.md").read_text())


def _write_results(figures: dict) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "bookings_availability.json").write_text(json.dumps(figures, indent=2) + "\n")
    lines = [
        "# Facility availability benchmark",
        "",
        f"{figures['date']}. Produced by `make bench` (tests/perf/test_bookings_availability.py).",
        "",
        "## GET /bookings/facilities/<code>/availability/?view=week (gunicorn, 2 sync workers, "
        f"loopback, {CONCURRENCY} clients, {REQUESTS} requests per size in {ROUNDS} rounds)",
        "",
        "| bookings of the facility | load seconds | free slots on the page | SQL queries |"
        " median ms | p95 ms |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {row['bookings']} | {row['load_seconds']:.0f} | {row['free_slots']} | "
        f"{row['queries']} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} |"
        for row in figures["sizes"]
    ]
    lines.append("")
    if figures["notes"]:
        lines += [f"- {note}" for note in figures["notes"]] + [""]
    (RESULTS_DIR / "bookings_availability.md").write_text("\n".join(lines))


def _grow_to(hall: dict, size: int) -> float:
    """Insert bookings until the facility has `size`; returns the seconds it took."""
    import time

    started = time.perf_counter()
    week_start = datetime.datetime.combine(hall["week"], datetime.time.min, tzinfo=TZ)
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT_BOOKINGS,
            {
                "now": timezone.now(),
                "facility": hall["facility"].pk,
                "prefix": PREFIX,
                "first": hall["size"] + 1,
                "last": size,
                "in_week": IN_WEEK,
                "week": week_start,
            },
        )
        cursor.execute("ANALYZE bookings_booking")
    hall["size"] = size
    seconds = time.perf_counter() - started
    print(f"\n{size:,} bookings loaded in {seconds:.0f} s")
    return seconds


@pytest.fixture(scope="module", params=SIZES, ids=lambda size: f"{size}-bookings")
def bookings(request, hall, django_db_blocker) -> tuple[int, float]:
    with django_db_blocker.unblock():
        seconds = _grow_to(hall, request.param)
    return request.param, seconds


def test_availability_at_each_size(bookings, hall, availability_server, report, figures):
    size, load_seconds = bookings
    path = f"/bookings/facilities/{CODE}/availability/?day={hall['week'].isoformat()}&view=week"
    load = {
        "host": availability_server.host,
        "port": availability_server.port,
        "concurrency": CONCURRENCY,
    }
    # given
    with CaptureQueriesContext(connection) as queries:
        page = Client().get(path)
    assert page.status_code == 200
    free_slots = sum(len(day.choices) for day in page.context["days"])
    run_load(path=path, requests=WARM_UP_REQUESTS, **load)

    # when
    runs = [run_load(path=path, requests=REQUESTS // ROUNDS, **load) for _ in range(ROUNDS)]

    # then
    result = LoadResult(
        requests=sum(run.requests for run in runs),
        seconds=sum(run.seconds for run in runs),
        latencies=[latency for run in runs for latency in run.latencies],
    )
    figures["sizes"].append(
        {
            "bookings": size,
            "load_seconds": load_seconds,
            "free_slots": free_slots,
            "queries": len(queries),
            "requests": result.requests,
            "median_ms": result.median_ms,
            "p95_ms": result.p95_ms,
        }
    )
    report.queries.append(
        {"page": "facility availability (week)", "cases": size, "queries": len(queries)}
    )
    # 7 days of 12 hours, less the booked ones
    assert free_slots == 7 * 12 - IN_WEEK


def test_availability_stays_flat_from_1000_to_1000000_bookings(report, figures):
    rows = sorted(figures["sizes"], key=lambda row: row["bookings"])
    assert [row["bookings"] for row in rows] == list(SIZES), "the sizes did not run"
    first, last = rows[0], rows[-1]
    if SIZES[-1] < 1_000_000:
        figures["notes"].append(
            f"Largest size {SIZES[-1]:,} bookings (BENCH_BOOKINGS), not 1,000,000."
        )
    queries = report.check(
        Budget(
            f"Facility availability: queries at {SIZES[-1]:,} bookings minus at 1,000",
            last["queries"] - first["queries"],
            0,
            "queries",
            False,
        )
    )
    growth = report.check(
        Budget(
            f"Facility availability: p95 at {SIZES[-1]:,} bookings / p95 at 1,000",
            round(last["p95_ms"] / (first["p95_ms"] + NOISE_MS), 2),
            MAX_P95_GROWTH,
            "x",
            False,
        )
    )
    report.notes.append(
        f"Facility availability (week): p95 {first['p95_ms']:.0f} ms at 1,000 bookings, "
        f"{last['p95_ms']:.0f} ms at {SIZES[-1]:,}; {last['queries']} SQL queries."
    )
    failures = [b.describe() for b in (queries, growth) if not b.met]
    assert not failures, "\n".join(failures)
