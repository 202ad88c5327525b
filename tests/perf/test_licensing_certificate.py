"""License certificate benchmark (`make bench`): the time to draw one certificate PDF.

A certificate is drawn on demand at each download (see licensing/pdf.py), so its render time
is the download's. The figure is the median over RENDERS renders in process, after one
warm-up that loads fonts and templates; the budget (250 ms) is the licensing issue's. Figures
go to tests/perf/results/licensing_certificate.{md,json} and the budget into the run's report.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import time

import pytest

from licensing.pdf import certificate_pdf
from tests.licensing.license_factory import LicenseFactory
from tests.perf.report import RESULTS_DIR, Budget

# django_db: makes pytest-django create the test database when this file runs alone.
pytestmark = [pytest.mark.perf, pytest.mark.django_db]

RENDERS = 20
BUDGET_MS = 250


def _write_results(figures: dict) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "licensing_certificate.json").write_text(json.dumps(figures, indent=2) + "\n")
    lines = [
        "# License certificate benchmark",
        "",
        f"{figures['date']}. Produced by `make bench` (tests/perf/test_licensing_certificate.py).",
        "",
        "## PDF certificate with its QR code (WeasyPrint, in process, after one warm-up)",
        "",
        "| renders | median ms | fastest ms | slowest ms | median CPU ms | budget (median) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {figures['renders']} | {figures['median_ms']:.0f} | {figures['min_ms']:.0f} | "
        f"{figures['max_ms']:.0f} | {figures['cpu_median_ms']:.0f} | {BUDGET_MS} ms |",
        "",
        f"Load average at the end of the run: {figures['load_average']:.1f} "
        "(2 CPUs shared with other work: the wall-clock figures grow with it, the CPU ones less).",
        "",
    ]
    (RESULTS_DIR / "licensing_certificate.md").write_text("\n".join(lines))


def test_license_certificate_median_render_time(report):
    # given: a license with a business name, so every line of the certificate is drawn
    license = LicenseFactory(
        license_type__name="Real-estate broker license",
        holder__full_name="Jordan Realtor",
        business_name="Main Street Realty LLC",
    )
    certificate_pdf(license=license)  # warm-up: fonts and templates loaded once per process

    # when
    timings, cpu_timings = [], []
    for _ in range(RENDERS):
        started, cpu_started = time.perf_counter(), time.process_time()
        pdf = certificate_pdf(license=license)
        timings.append(time.perf_counter() - started)
        cpu_timings.append(time.process_time() - cpu_started)

    # then
    assert pdf.startswith(b"%PDF-")
    median = statistics.median(timings) * 1000
    cpu_median = statistics.median(cpu_timings) * 1000
    _write_results(
        {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "renders": RENDERS,
            "median_ms": median,
            "min_ms": min(timings) * 1000,
            "max_ms": max(timings) * 1000,
            "cpu_median_ms": cpu_median,
            "load_average": os.getloadavg()[0],
        }
    )
    report.notes.append(
        f"License certificate: median {median:.0f} ms over {RENDERS} renders "
        f"({cpu_median:.0f} ms of CPU)."
    )
    budget = report.check(
        Budget("License certificate median render", round(median, 1), BUDGET_MS, "ms", False)
    )
    assert budget.met, budget.describe()
