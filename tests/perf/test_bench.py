"""Benchmarks of the portal, run by `make bench` (marker `perf`), never by `make test`.

Throughput and latency are measured against gunicorn on loopback and reported as a share of
a bare Django view served by the same server in the same run, so the figures compare across
machines. The tests run in file order (the worker memory is read after the load).
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.perf.conftest import FEW_CASES, MANY_CASES
from tests.perf.load import LoadResult, run_load
from tests.perf.report import Budget
from tests.perf.server import GUNICORN_WORKERS, rss_megabytes

pytestmark = pytest.mark.perf

WARM_UP_REQUESTS = 100
REQUESTS_PER_ROUND = 300
ROUNDS = 3
CONCURRENCY = 4

# Each page's throughput at least this share of the bare view's: the dashboard reads every
# service's section of the person's own rows (portal/dashboard.py) on each visit.
MIN_SHARE_OF_BARE_THROUGHPUT = {"home": 0.45, "dashboard": 0.20}
MAX_DASHBOARD_QUERIES = 8
MAX_PAGE_WEIGHT_KB = 150
MAX_WORKER_RSS_MB = 150


def test_pages_keep_their_share_of_the_bare_views_throughput(
    bench_server, many_cases_cookies, report
):
    # given: the bare view, the home page, and the dashboard of a resident with 1,000 cases,
    # who comes back with the cookies their browser kept (session and CSRF)
    cookies = "; ".join(f"{name}={value}" for name, value in many_cases_cookies.items())
    targets = {
        "bare view": ("/bench/bare", {}),
        "home": ("/", {}),
        "dashboard": ("/account/", {"Cookie": cookies}),
    }
    load = {"host": bench_server.host, "port": bench_server.port, "concurrency": CONCURRENCY}
    for path, headers in targets.values():
        run_load(path=path, headers=headers, requests=WARM_UP_REQUESTS, **load)

    # when: rounds alternate between the pages, so a neighbor's load on the machine is
    # spread over all of them rather than landing on one
    results: dict[str, list[LoadResult]] = {name: [] for name in targets}
    for _ in range(ROUNDS):
        for name, (path, headers) in targets.items():
            results[name].append(
                run_load(path=path, headers=headers, requests=REQUESTS_PER_ROUND, **load)
            )

    # then
    merged = {
        name: LoadResult(
            requests=sum(r.requests for r in runs),
            seconds=sum(r.seconds for r in runs),
            latencies=[latency for r in runs for latency in r.latencies],
        )
        for name, runs in results.items()
    }
    bare = merged["bare view"]
    for name, result in merged.items():
        report.throughput.append(
            {
                "page": name,
                "requests": result.requests,
                "rps": result.requests_per_second,
                "rps_ratio": result.requests_per_second / bare.requests_per_second,
                "median_ms": result.median_ms,
                "p95_ms": result.p95_ms,
                "p95_ratio": result.p95_ms / bare.p95_ms,
            }
        )
    report.notes.append(
        f"Load: {CONCURRENCY} client threads in one Python process on the same machine, "
        f"{ROUNDS} alternating rounds of {REQUESTS_PER_ROUND} requests per page after "
        f"{WARM_UP_REQUESTS} warm-up requests; gunicorn sync workers close each connection, "
        "so every request opens a new one. The client shares the two CPUs with the server "
        "(and with anything else running), so the bare view's figure is partly the client's "
        "own limit: the shares flatter the pages, if anything, and vary by a few points "
        "between runs on a busy machine."
    )
    budgets = [
        report.check(
            Budget(
                name=f"{name} throughput",
                measured=round(merged[name].requests_per_second / bare.requests_per_second, 3),
                limit=limit,
                unit="of the bare view's req/s",
                at_least=True,
            )
        )
        for name, limit in MIN_SHARE_OF_BARE_THROUGHPUT.items()
    ]
    missed = [budget.describe() for budget in budgets if not budget.met]
    assert missed == []


@pytest.mark.django_db
def test_dashboard_queries_do_not_grow_with_the_number_of_cases(bench_data, report):
    # given: each resident has already loaded the dashboard once (a warm session)
    counts = {}
    for resident, cases in ((bench_data.few, FEW_CASES), (bench_data.many, MANY_CASES)):
        client = Client()
        client.force_login(resident, backend="accounts.backends.ModelBackend")
        client.get(reverse("portal:dashboard"))

        # when
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("portal:dashboard"))

        # then
        assert response.status_code == 200
        counts[cases] = len(queries)
        report.queries.append({"page": "dashboard", "cases": cases, "queries": len(queries)})
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(reverse("portal:home")).status_code == 200
    report.queries.append({"page": "home (anonymous)", "cases": 0, "queries": len(queries)})

    budget = report.check(
        Budget(
            name=f"dashboard queries with {MANY_CASES} cases",
            measured=counts[MANY_CASES],
            limit=MAX_DASHBOARD_QUERIES,
            unit="queries",
            at_least=False,
        )
    )
    assert counts[FEW_CASES] == counts[MANY_CASES], counts
    assert budget.met, budget.describe()


def test_first_load_of_a_resident_page_weighs_at_most_150_kb(
    bench_server, many_cases_session, report
):
    # given: a fresh browser (empty cache) signed in as a resident
    pages = {"dashboard": "/account/", "home": "/"}

    # when
    weights = {
        name: first_load_weight(bench_server, path, many_cases_session)
        for name, path in pages.items()
    }

    # then
    for name, (total, resources) in weights.items():
        report.page_weight.append({"page": name, "total_bytes": total, "resources": resources})
    report.notes.append(
        "Page weight: the page is loaded in Chromium with an empty cache and every response "
        "it fetched (HTML, CSS, JS, fonts, images) is counted at its gzip-compressed size "
        "(level 6), so only the fonts the rendered text actually uses are counted; nothing "
        "is approximated."
    )
    # Both are resident pages: the budget holds for each.
    budgets = [
        report.check(
            Budget(
                name=f"{name} first-load weight",
                measured=round(total / 1024, 1),
                limit=MAX_PAGE_WEIGHT_KB,
                unit="KB",
                at_least=False,
            )
        )
        for name, (total, _resources) in weights.items()
    ]
    assert [b.describe() for b in budgets if not b.met] == []


def test_gunicorn_workers_stay_small_after_the_run(bench_server, report):
    # given: the server has served every request of the run
    pids = bench_server.worker_pids()
    assert len(pids) == GUNICORN_WORKERS

    # when
    sizes = {pid: rss_megabytes(pid) for pid in pids}

    # then
    report.memory.extend({"pid": pid, "rss_mb": size} for pid, size in sizes.items())
    budget = report.check(
        Budget(
            name="largest gunicorn worker RSS",
            measured=round(max(sizes.values()), 1),
            limit=MAX_WORKER_RSS_MB,
            unit="MB",
            at_least=False,
        )
    )
    assert budget.met, budget.describe()


def first_load_weight(server, path: str, session: str) -> tuple[int, list[dict]]:
    """Load `path` in Chromium with an empty cache; return the gzip size of all it fetched."""
    from playwright.sync_api import sync_playwright

    home = tempfile.mkdtemp(prefix="portal-bench-chromium-")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run",
                      "--disable-quic"],
                env={**os.environ, "HOME": home, "XDG_CACHE_HOME": home},
            )  # fmt: skip
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies([{"name": "sessionid", "value": session, "url": server.url}])
            page = context.new_page()
            responses = []
            page.on("response", lambda response: responses.append(response))
            page.goto(server.url + path, wait_until="networkidle")
            fetched = [
                (response.url, response.request.resource_type, response.body())
                for response in responses
                if response.url.startswith(server.url) and response.status == 200
            ]
            browser.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    resources = [
        {
            "path": urlsplit(url).path,
            "type": kind,
            "bytes": len(body),
            "gzip_bytes": len(gzip.compress(body, compresslevel=6)),
        }
        for url, kind, body in fetched
    ]
    return sum(r["gzip_bytes"] for r in resources), resources
