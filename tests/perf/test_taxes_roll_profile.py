"""Where a roll import's time goes, statement by statement (`PROFILE_ROLL=100000 make bench
-k profile`): the benchmark's roll of PROFILE_ROLL parcels imported in this process, then
again (no change), each SQL statement timed. Without PROFILE_ROLL, a roll of 10,000 parcels
(a quick check that the profile still runs against the import as it is). Each run's peak of
Python memory (tracemalloc) is printed and held to a few read chunks: the file streams to COPY,
so the peak must not grow with the roll (the process's own maxrss is measured by
tests/perf/test_taxes_roll_import.py)."""

from __future__ import annotations

import os
import re
import time
import tracemalloc

import pytest
from django.db import connection

from taxes.services.roll import roll_import
from taxes.services.roll_staging import CHUNK_BYTES
from tests.perf.test_taxes_roll_import import _TABLES, _write_roll

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]
PARCELS = int(os.environ.get("PROFILE_ROLL") or 10_000)


def _timed(report: list):
    def wrapper(execute, sql, params, many, context):
        started = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            report.append((time.monotonic() - started, re.sub(r"\s+", " ", sql)[:90]))

    return wrapper


def test_profile_the_roll_import(tmp_path):
    path = tmp_path / "roll.csv"
    _write_roll(path, PARCELS)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {_TABLES} CASCADE")
    for run in ("import", "re-import"):
        statements: list = []
        started = time.monotonic()
        tracemalloc.start()
        try:
            with connection.execute_wrapper(_timed(statements)), path.open("rb") as stream:
                report = roll_import(stream=stream, file_name="roll.csv")
            _now, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        total = time.monotonic() - started
        assert report.applied, report.errors[:5]
        print(
            f"\n{run} of {PARCELS:,} parcels: {total:.1f} s (load {os.getloadavg()[0]:.1f}), "
            f"Python memory peak {peak / 2**20:.1f} MB"
        )
        assert peak < 8 * CHUNK_BYTES, f"{peak / 2**20:.1f} MB held during the {run}"
        for seconds, sql in sorted(statements, reverse=True)[:14]:
            print(f"  {seconds:7.2f} s  {sql}")
        print(f"  {total - sum(s for s, _ in statements):7.2f} s  (COPY, commit, Python)")
