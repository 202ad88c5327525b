"""Tax roll import benchmark (`make bench`): the assessor's roll of 1,000,000 parcels, imported
by `manage.py import_tax_roll` in one process, under 2 minutes with its memory under 300 MB.

The roll (one row per bill: three levies, a homestead exemption on every third parcel, two
owners on every fifth, an escrow lender on every tenth, two instalments) is written to a
file first. The command runs in its own process with production settings against the test
database; its wall time and peak resident memory (the kernel's maxrss for that process, from
wait4) are measured. The same file is imported a second time: it must change nothing.

Figures go to tests/perf/results/taxes_roll_import.{md,json} and the budgets into the run's
report.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.perf.report import RESULTS_DIR, Budget
from tests.perf.server import bench_database_url, production_environment

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

# BENCH_PARCELS: a smaller roll, to try the benchmark itself out quickly.
PARCELS = int(os.environ.get("BENCH_PARCELS", "1000000"))
MAX_SECONDS = 120.0
MAX_MEMORY_MB = 300.0
ROOT = Path(__file__).resolve().parents[2]
HEADER = (
    "parcel_number,tax_year,bill_number,situs_address,land_use,escrow_lender,owner_1_name,"
    "owner_1_last_name,owner_1_mailing_address,owner_2_name,owner_2_mailing_address,"
    "levy_COUNTY,levy_SCHOOL,levy_FIRE,exemption_HOMESTEAD,instalment_1_due,"
    "instalment_1_amount,instalment_2_due,instalment_2_amount\n"
)
_TABLES = (
    "taxes_instalmentpayment, taxes_instalment, taxes_billline, taxes_taxbill, taxes_owner, "
    "taxes_parcel, taxes_rollimport"
)


def _write_roll(path: Path, parcels: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(parcels):
            county, school, fire = 80000 + n % 50000, 120000 + n % 70000, 5000 + n % 3000
            exemption = 25000 if n % 3 == 0 else 0
            total = county + school + fire - exemption
            first = total // 2
            second = total - first
            owner_2 = ("Sam Doe", '"PO Box 12\nSpringfield"') if n % 5 == 0 else ("", "")
            out.write(
                f"{n // 1000:03d}-{n % 1000:03d}-{n:07d},2026,2026-{n:08d},"
                f"{n % 9999 + 1} MAPLE AVENUE {n // 9999},residential,"
                f"{'First Mortgage Bank' if n % 10 == 0 else ''},Alex Doe{n % 97},Doe{n % 97},"
                f'"{n % 9999 + 1} Maple Avenue\nSpringfield",{owner_2[0]},{owner_2[1]},'
                f"{county // 100}.{county % 100:02d},{school // 100}.{school % 100:02d},"
                f"{fire // 100}.{fire % 100:02d},"
                f"{f'{exemption // 100}.00' if exemption else ''},"
                f"2026-03-31,{first // 100}.{first % 100:02d},"
                f"2026-09-30,{second // 100}.{second % 100:02d}\n"
            )


def _peak_import(environment: dict, path: Path) -> dict:
    """Run the command in its own process: its wall time and peak resident memory (wait4's
    maxrss of that one process)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "import_tax_roll", str(path)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.returncode == 0, stderr[-3000:]
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024}


@pytest.fixture(scope="module")
def roll_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("tax-roll") / "roll.csv"
    started = time.monotonic()
    _write_roll(path, PARCELS)
    return {"path": path, "write_seconds": time.monotonic() - started}


@pytest.fixture(scope="module")
def clean_tables(django_db_setup, django_db_blocker):
    """Empty taxes tables before and after (outside the test's transaction, so the import's
    process is never blocked by a lock of ours)."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {_TABLES} CASCADE")
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {_TABLES} CASCADE")


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (constant)
        return cursor.fetchone()[0]


def test_a_million_parcel_roll_imports_in_two_minutes(roll_file, clean_tables, report, tmp_path):
    # given
    environment = production_environment(
        database_url=bench_database_url(), static_root=tmp_path / "static"
    )

    # when
    first = _peak_import(environment, roll_file["path"])
    bills = _count("taxes_taxbill")
    lines = _count("taxes_billline")
    again = _peak_import(environment, roll_file["path"])

    # then
    assert bills == PARCELS
    assert _count("taxes_taxbill") == PARCELS and _count("taxes_billline") == lines
    figures = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "parcels": PARCELS,
        "file_mb": roll_file["path"].stat().st_size / 1024 / 1024,
        "lines": lines,
        "import_seconds": first["seconds"],
        "import_peak_mb": first["peak_mb"],
        "reimport_seconds": again["seconds"],
        "reimport_peak_mb": again["peak_mb"],
    }
    _write_results(figures)
    time_budget = report.check(
        Budget(
            f"Tax roll import of {PARCELS:,} parcels: wall time",
            round(first["seconds"], 1),
            MAX_SECONDS,
            "s",
            False,
        )
    )
    memory_budget = report.check(
        Budget(
            f"Tax roll import of {PARCELS:,} parcels: process peak memory",
            round(max(first["peak_mb"], again["peak_mb"]), 1),
            MAX_MEMORY_MB,
            "MB",
            False,
        )
    )
    report.notes.append(
        f"Tax roll: {PARCELS:,} parcels ({figures['file_mb']:.0f} MB) imported in "
        f"{first['seconds']:.0f} s, re-imported (no change) in {again['seconds']:.0f} s."
    )
    assert time_budget.met, time_budget.describe()
    assert memory_budget.met, memory_budget.describe()


def _write_results(figures: dict) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "taxes_roll_import.json").write_text(json.dumps(figures, indent=2) + "\n")
    lines = [
        "# Tax roll import benchmark",
        "",
        f"{figures['date']}. Produced by `make bench` (tests/perf/test_taxes_roll_import.py).",
        "",
        "## manage.py import_tax_roll (one process, production settings)",
        "",
        "| parcels | file MB | bill lines | import s (budget) | peak MB (budget) | "
        "re-import s | re-import peak MB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {figures['parcels']} | {figures['file_mb']:.0f} | {figures['lines']} | "
        f"{figures['import_seconds']:.1f} ({MAX_SECONDS:.0f}) | "
        f"{figures['import_peak_mb']:.0f} ({MAX_MEMORY_MB:.0f}) | "
        f"{figures['reimport_seconds']:.1f} | {figures['reimport_peak_mb']:.0f} |",
        "",
    ]
    (RESULTS_DIR / "taxes_roll_import.md").write_text("\n".join(lines))
