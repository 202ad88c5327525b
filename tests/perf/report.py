"""The benchmark's report: figures and budgets, printed as a table and written to
tests/perf/results/latest.md and latest.json (both committed, so changes show in review)."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Budget:
    name: str
    measured: float
    limit: float
    unit: str
    at_least: bool  # True: measured must be >= limit; False: <= limit

    @property
    def met(self) -> bool:
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit

    def describe(self) -> str:
        sign = ">=" if self.at_least else "<="
        verdict = "met" if self.met else "MISSED"
        unit = f" {self.unit}" if self.unit else ""
        return (
            f"{self.name}: {self.measured:g}{unit} (budget {sign} {self.limit:g}{unit}) {verdict}"
        )


@dataclass
class BenchReport:
    throughput: list[dict] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    page_weight: list[dict] = field(default_factory=list)
    memory: list[dict] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def check(self, budget: Budget) -> Budget:
        """Record `budget`; the caller asserts `budget.met` with `budget.describe()`."""
        self.budgets.append(budget)
        return budget

    def environment(self) -> dict:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=RESULTS_DIR,
        ).stdout.strip()
        return {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": commit,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
        }

    def as_dict(self) -> dict:
        return {
            "environment": self.environment(),
            "throughput": self.throughput,
            "queries": self.queries,
            "page_weight": self.page_weight,
            "memory": self.memory,
            "budgets": [{**asdict(b), "met": b.met} for b in self.budgets],
            "notes": self.notes,
        }

    def as_markdown(self) -> str:
        env = self.environment()
        lines = [
            "# Benchmark results",
            "",
            f"{env['date']}, commit {env['commit']}, Python {env['python']}, "
            f"{env['cpus']} CPUs ({env['machine']}). Produced by `make bench`.",
            "",
        ]
        if self.throughput:
            lines += [
                "## Throughput and latency (gunicorn, 2 sync workers, loopback)",
                "",
                "| page | requests | req/s | share of bare | median ms | p95 ms | p95 vs bare |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            ]
            lines += [
                f"| {row['page']} | {row['requests']} | {row['rps']:.0f} | "
                f"{row['rps_ratio']:.0%} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} | "
                f"{row['p95_ratio']:.1f}x |"
                for row in self.throughput
            ]
            lines.append("")
        if self.queries:
            lines += [
                "## SQL queries per page",
                "",
                "| page | cases | queries |",
                "| --- | ---: | ---: |",
            ]
            lines += [f"| {r['page']} | {r['cases']} | {r['queries']} |" for r in self.queries]
            lines.append("")
        if self.page_weight:
            lines += [
                "## First-load page weight (gzip-compressed)",
                "",
                "| page | resources | total KB |",
                "| --- | ---: | ---: |",
            ]
            lines += [
                f"| {r['page']} | {len(r['resources'])} | {r['total_bytes'] / 1024:.1f} |"
                for r in self.page_weight
            ]
            for row in self.page_weight:
                lines += [
                    "",
                    f"{row['page']}:",
                    "",
                    "| resource | type | gzip KB |",
                    "| --- | --- | ---: |",
                ]
                lines += [
                    f"| {res['path']} | {res['type']} | {res['gzip_bytes'] / 1024:.1f} |"
                    for res in row["resources"]
                ]
            lines.append("")
        if self.memory:
            lines += [
                "## gunicorn worker memory after the run",
                "",
                "| worker pid | RSS MB |",
                "| ---: | ---: |",
            ]
            lines += [f"| {r['pid']} | {r['rss_mb']:.1f} |" for r in self.memory]
            lines.append("")
        if self.budgets:
            lines += ["## Budgets", ""]
            lines += [f"- {budget.describe()}" for budget in self.budgets]
            lines.append("")
        if self.notes:
            lines += ["## Notes", ""]
            lines += [f"- {note}" for note in self.notes]
            lines.append("")
        return "\n".join(lines)

    def write(self, *, complete: bool) -> Path:
        """Write the report; return the Markdown file's path.

        Only a run of the whole benchmark replaces the committed latest.{md,json}; a partial
        run (one file, `-k`) writes partial.{md,json}.tmp (git-ignored), so the committed
        figures always come from one complete run.
        """
        RESULTS_DIR.mkdir(exist_ok=True)
        markdown, data = (
            ("latest.md", "latest.json") if complete else ("partial.md.tmp", "partial.json.tmp")
        )
        (RESULTS_DIR / markdown).write_text(self.as_markdown())
        (RESULTS_DIR / data).write_text(json.dumps(self.as_dict(), indent=2) + "\n")
        return RESULTS_DIR / markdown
