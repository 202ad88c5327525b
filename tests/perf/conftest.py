"""Benchmark fixtures: a database with cases, the portal under gunicorn, and the report.

The data is committed once for the session (outside pytest-django's per-test transactions),
so the gunicorn workers, which are other processes, see it in the test database.
"""

from __future__ import annotations

import http.cookiejar
import logging
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from cases.services import case_create
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.cases.workflows import TEST_PERMIT, register_test_workflows
from tests.perf.report import BenchReport
from tests.perf.server import (
    BenchServer,
    bench_database_url,
    collect_static,
    gunicorn,
    production_environment,
)

FEW_CASES = 10
MANY_CASES = 1000


@dataclass(frozen=True)
class BenchData:
    few: object  # a resident with FEW_CASES cases
    many: object  # a resident with MANY_CASES cases


@pytest.fixture(scope="session")
def bench_data(django_db_setup, django_db_blocker) -> BenchData:
    """Two residents with 10 and 1,000 cases, opened through the case engine's service."""
    register_test_workflows()
    # One log line per case would bury the report.
    logging.disable(logging.INFO)
    with django_db_blocker.unblock():
        few = UserFactory(email="bench-few@example.org", full_name="Frances Few")
        many = UserFactory(email="bench-many@example.org", full_name="Manuel Many")
        for resident, count in ((few, FEW_CASES), (many, MANY_CASES)):
            for _ in range(count):
                case_create(kind=TEST_PERMIT.kind, applicant=resident)
        # Planner statistics for the new rows, as autovacuum keeps them on a live database
        # (it would get to these within a minute or so, in the middle of the measurement).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    logging.disable(logging.NOTSET)
    return BenchData(few=few, many=many)


@pytest.fixture(scope="session")
def bench_server(bench_data, tmp_path_factory) -> BenchServer:
    folder = tmp_path_factory.mktemp("bench")
    environment = production_environment(
        database_url=bench_database_url(), static_root=folder / "static"
    )
    collect_static(environment)
    with gunicorn(environment, log_file=folder / "gunicorn.log") as server:
        yield server


def signed_in_cookies(
    server: BenchServer, *, email: str, password: str = DEFAULT_PASSWORD
) -> dict[str, str]:
    """Sign in through the portal's login form over HTTP; return the browser's cookies then
    (the session, and the CSRF cookie the sign-in rotated)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_url = server.url + "/accounts/login/"
    opener.open(login_url, timeout=30).read()
    csrf_token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"login": email, "password": password, "csrfmiddlewaretoken": csrf_token}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (the bench server, over http)
        login_url, data=form, headers={"Referer": login_url}
    )
    with opener.open(request, timeout=30) as response:
        landed = urllib.parse.urlsplit(response.url).path
    if landed != "/account/":
        raise AssertionError(f"Signing in as {email} landed on {landed}, not the dashboard.")
    return {cookie.name: cookie.value for cookie in jar}


@pytest.fixture(scope="session")
def many_cases_cookies(bench_server, bench_data) -> dict[str, str]:
    """The cookies of the resident with 1,000 cases, signed in."""
    return signed_in_cookies(bench_server, email=bench_data.many.email)


@pytest.fixture(scope="session")
def many_cases_session(many_cases_cookies) -> str:
    return many_cases_cookies["sessionid"]


def benchmark_files() -> set[Path]:
    """The test files of tests/perf that hold benchmarks (marker `perf`). The others check the
    benchmarks' own helpers and run in `make test`."""
    perf_dir = Path(__file__).resolve().parent
    return {
        path.resolve()
        for path in perf_dir.glob("test_*.py")
        if "pytest.mark.perf" in path.read_text()
    }


def _runs_the_whole_benchmark(session: pytest.Session) -> bool:
    """Every test of every benchmark file is selected (no `-k`, no single file)."""
    selected = {Path(item.path).resolve() for item in session.items}
    return not session.config.option.keyword and benchmark_files() <= selected


@pytest.fixture(scope="session")
def report(request) -> BenchReport:
    """Collects every figure of the run; writes tests/perf/results/latest.{md,json} at the end
    of a complete run (see BenchReport.write)."""
    bench_report = BenchReport()
    yield bench_report
    written = bench_report.write(complete=_runs_the_whole_benchmark(request.session))
    print("\n" + bench_report.as_markdown() + f"\n(written to {written})")
