"""The fault tests' stack: PostgreSQL, Redis, gunicorn and a Celery worker (with beat), all
real processes of this test's own, on a freshly migrated database. See README.md here."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.faults import processes
from tests.faults.load import CLIENT_IP_HEADER

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


@dataclass
class Stack:
    postgres: processes.PostgresServer
    redis: processes.RedisServer
    web: processes.WebServer
    worker: object
    environment: dict
    residents: list[str]
    category: str
    folder: Path

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.postgres.url, connect_timeout=5) as connection:
            return connection.execute(sql, params).fetchall()


@pytest.fixture
def stack(tmp_path, request) -> Stack:
    # PostgreSQL runs as another user when the tests run as root, and pytest's temporary
    # folders are private to the user: its data go under .data/ like the devstack's.
    data = processes.BASE_DIR / ".data" / "faults" / f"{request.node.name}-{os.getpid()}"
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, data, ignore_errors=True)
        postgres = stack.enter_context(processes.embedded_postgres(data / "postgres"))
        redis = stack.enter_context(processes.embedded_redis(tmp_path / "redis"))
        environment = processes.portal_environment(
            database_url=postgres.url, redis_url=redis.url, static_root=tmp_path / "static"
        )
        environment["DJANGO_SETTINGS_MODULE"] = "tests.faults.settings"
        # Each simulated visitor sends its own address (see tests/faults/load.py).
        environment["TRUSTED_CLIENT_IP_HEADER"] = CLIENT_IP_HEADER
        processes.manage(environment, "migrate", "--noinput", "-v", "0")
        seeded = json.loads(
            processes.manage(
                environment, "shell", "-c", "from tests.faults.seed import seed; seed()"
            )
            .strip()
            .splitlines()[-1]
        )
        web = stack.enter_context(
            processes.gunicorn(environment, log_file=tmp_path / "gunicorn.log")
        )
        worker = stack.enter_context(
            processes.celery_worker(environment, log_file=tmp_path / "celery.log")
        )
        yield Stack(
            postgres=postgres,
            redis=redis,
            web=web,
            worker=worker,
            environment=environment,
            residents=seeded["residents"],
            category=seeded["category"],
            folder=tmp_path,
        )


@pytest.fixture(scope="session")
def results():
    """Figures each test adds under its own name; written to results/latest.json at the end,
    keeping the entries of tests that did not run this time (other files of this folder)."""
    figures: dict = {}
    yield figures
    if not figures:
        return
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({**existing, **figures}, indent=2, sort_keys=True) + "\n")
