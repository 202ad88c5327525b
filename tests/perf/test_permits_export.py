"""Open permit data benchmark (`make bench`): the BLDS `permits` dataset of 1,000,000 permits,
as CSV and as JSON, streamed by one gunicorn worker in constant memory.

The permits are inserted in bulk (tests/perf/permits_load.py). Under gunicorn with
production settings, each format is downloaded once over loopback and read to the end
(counted, not kept); the workers' peak resident memory (VmHWM: the highest since the worker
started) is read after each download. Budget: under 200 MB, a million permits or a thousand.
The time to first byte and the whole download's time and rate are recorded.

Figures go to tests/perf/results/permits_export.{md,json} and the budgets into the run's
report.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import time
from pathlib import Path

import pytest

from tests.perf import permits_load
from tests.perf.report import RESULTS_DIR, Budget
from tests.perf.server import (
    bench_database_url,
    collect_static,
    gunicorn,
    peak_rss_megabytes,
    production_environment,
)

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

# BENCH_PERMITS: a smaller register, to try the benchmark itself out quickly.
PERMITS = int(os.environ.get("BENCH_PERMITS", "1000000"))
MAX_WORKER_MB = 200.0
# A sync worker is busy for the whole download (docs/services.md, "Public permits...").
DOWNLOAD_TIMEOUT_SECONDS = 900


@pytest.fixture(scope="module")
def register(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        register = permits_load.setup_register()
        started = time.monotonic()
        permits_load.grow_to(PERMITS, register)
        register["load_seconds"] = time.monotonic() - started
    yield register
    with django_db_blocker.unblock():
        permits_load.clear(register)


@pytest.fixture(scope="module")
def export_server(register, tmp_path_factory):
    folder = tmp_path_factory.mktemp("permits-export-bench")
    environment = production_environment(
        database_url=bench_database_url(), static_root=folder / "static"
    )
    environment["PERMITS_OPEN_DATA_PER_HOUR"] = "0"
    collect_static(environment)
    with gunicorn(
        environment, log_file=folder / "gunicorn.log", timeout=DOWNLOAD_TIMEOUT_SECONDS
    ) as server:
        yield server


@pytest.fixture(scope="module")
def figures():
    collected = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "exports": [],
    }
    yield collected
    if collected["exports"]:
        _write_results(collected)
        print("\n" + Path(RESULTS_DIR / "permits_export.md").read_text())


def _write_results(figures: dict) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "permits_export.json").write_text(json.dumps(figures, indent=2) + "\n")
    lines = [
        "# Open permit data benchmark",
        "",
        f"{figures['date']}. Produced by `make bench` (tests/perf/test_permits_export.py).",
        "",
        "## GET /permits/data/permits.{csv,json} (gunicorn, 2 sync workers, loopback)",
        "",
        "| permits | format | rows | MB sent | first byte s | total s | rows/s | "
        "worker peak MB (budget) |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {row['permits']} | {row['format']} | {row['rows']} | {row['megabytes']:.0f} | "
        f"{row['first_byte_seconds']:.1f} | {row['seconds']:.1f} | {row['rows_per_second']:.0f} | "
        f"{row['worker_peak_mb']:.0f} ({MAX_WORKER_MB:.0f}) |"
        for row in figures["exports"]
    ]
    lines += ["", f"Loading the permits took {figures.get('load_seconds', 0):.0f} s.", ""]
    (RESULTS_DIR / "permits_export.md").write_text("\n".join(lines))


def _download(server, path: str) -> dict:
    """GET `path`, reading the body to the end in 64 KB reads; count its bytes and lines."""
    connection = http.client.HTTPConnection(
        server.host, server.port, timeout=DOWNLOAD_TIMEOUT_SECONDS
    )
    started = time.monotonic()
    connection.request("GET", path)
    response = connection.getresponse()
    assert response.status == 200, response.read()[:2000]
    size, lines, first_byte = 0, 0, None
    last = b""
    while chunk := response.read(64 * 1024):
        if first_byte is None:
            first_byte = time.monotonic() - started
        size += len(chunk)
        lines += chunk.count(b"\n")
        last = chunk[-200:]
    seconds = time.monotonic() - started
    connection.close()
    return {
        "bytes": size,
        "lines": lines,
        "seconds": seconds,
        "first_byte": first_byte or seconds,
        "tail": last,
    }


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_million_permits_stream_in_constant_memory(fmt, register, export_server, report, figures):
    figures["load_seconds"] = register["load_seconds"]
    # when
    downloaded = _download(export_server, f"/permits/data/permits.{fmt}")
    peak = max(peak_rss_megabytes(pid) for pid in export_server.worker_pids())

    # then: every permit, one line each (CSV: plus the header; JSON: plus the brackets)
    rows = downloaded["lines"] - (1 if fmt == "csv" else 2)
    assert rows == PERMITS, downloaded["tail"]
    if fmt == "json":
        assert downloaded["tail"].endswith(b"}\n]\n")
    figures["exports"].append(
        {
            "permits": PERMITS,
            "format": fmt,
            "rows": rows,
            "megabytes": downloaded["bytes"] / 1024 / 1024,
            "first_byte_seconds": downloaded["first_byte"],
            "seconds": downloaded["seconds"],
            "rows_per_second": rows / downloaded["seconds"],
            "worker_peak_mb": peak,
        }
    )
    report.memory += [
        {"pid": pid, "rss_mb": peak_rss_megabytes(pid)} for pid in export_server.worker_pids()
    ]
    budget = report.check(
        Budget(
            f"Open data export of {PERMITS:,} permits as {fmt.upper()}: worker peak memory",
            round(peak, 1),
            MAX_WORKER_MB,
            "MB",
            False,
        )
    )
    report.notes.append(
        f"Open data {fmt.upper()}: {rows:,} permits, {downloaded['bytes'] / 1024 / 1024:.0f} MB "
        f"in {downloaded['seconds']:.0f} s (first byte after {downloaded['first_byte']:.1f} s)."
    )
    assert budget.met, budget.describe()
