"""A reminder run timed as the worker runs it, for the reminder benchmarks.

The engine runs in a Python process started for the purpose (Django and the project loaded,
the worker's start-up done, broker in memory), so what it costs, and its peak resident
memory, are the job's and not the benchmark's pytest process's. There every active rule (of
one source, if named) runs, timed one by one, for each day asked in turn; then one rule's
statement is explained on the last day, when it is done already.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.perf.server import bench_database_url

_WORKER_SCRIPT = """
import datetime, json, sys, time
import django
django.setup()
from celery.signals import worker_init
from portal.celery import app
worker_init.send(sender=app)  # what a worker does as it starts, before any task
from django.db import connection
from notifications.models import ReminderRule
from notifications.services import reminder_rule_run
from notifications.services.reminders import rule_params, rule_statement
from notifications.reminders import get_source
from tests.perf.server import peak_rss_megabytes
asked = json.loads(sys.argv[1])
baseline = peak_rss_megabytes()
days = [datetime.date.fromisoformat(day) for day in asked["days"]]
rules = ReminderRule.objects.filter(active=True)
if asked["source"]:
    rules = rules.filter(source=asked["source"])
rules = list(rules.order_by("-days"))
runs = []
for day in days:
    per_rule = []
    for rule in rules:
        started = time.perf_counter()
        outcome = reminder_rule_run(rule=rule, today=day, siblings=rules)
        per_rule.append({"days": rule.days, "seconds": time.perf_counter() - started,
                         "rows": outcome.total, "fired": outcome.fired,
                         "emails": outcome.emails, "sms": outcome.sms,
                         "in_app": outcome.in_app, "recorded": outcome.recorded})
    runs.append({"day": day.isoformat(), "rules": per_rule,
                 "seconds": sum(r["seconds"] for r in per_rule),
                 "rows": sum(r["rows"] for r in per_rule)})
rule = next(r for r in rules if r.days == asked["explain_days"])
with connection.cursor() as cursor:
    cursor.execute(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) "
        + rule_statement(rule=rule, source=get_source(rule.source)),
        rule_params(rule=rule, today=days[-1], siblings=rules),
    )
    plan = [row[0] for row in cursor.fetchall()]
figures = {"runs": runs, "plan": plan}
if asked["memory"]:
    figures.update(baseline_mb=baseline, peak_mb=peak_rss_megabytes())
print(json.dumps(figures))
"""


def reminder_runs_timed(
    *,
    days: list[datetime.date],
    explain_days: int,
    source: str | None = None,
    memory: bool = False,
) -> dict:
    """Run the active rules (of `source`, if given) for each of `days` in a worker-like
    process; return its figures.

    `runs` has one entry a day: each rule's seconds, rows written, reminders and channels,
    and their sums. `plan` is `EXPLAIN (ANALYZE, BUFFERS)` of the rule `explain_days` before
    or after on the last day. With `memory`, `baseline_mb` and `peak_mb` are the process's
    peak resident memory before and after the job. Raises CalledProcessError if it fails.
    """
    asked = {
        "days": [day.isoformat() for day in days],
        "source": source,
        "explain_days": explain_days,
        "memory": memory,
    }
    environment = {
        **os.environ,
        "DATABASE_URL": bench_database_url(),
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    completed = subprocess.run(
        [sys.executable, "-c", _WORKER_SCRIPT, json.dumps(asked)],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def rule_rows(names: tuple[str, ...], runs: list[dict], *, totals: str = "") -> list[str]:
    """The results table's rows: one per rule of each run, named by `names` in turn, and,
    given `totals` (the rules' name in the table, "all four"), one of the run's sums."""
    lines = []
    for name, run in zip(names, runs, strict=True):
        for rule in run["rules"]:
            lines.append(
                f"| {name} | {rule['days']} days | {rule['seconds']:.2f} | {rule['rows']:,} | "
                f"{rule['fired']:,} | {rule['emails']:,} | {rule['sms']:,} | "
                f"{rule['in_app']:,} | {rule['recorded']:,} |"
            )
        if totals:
            lines.append(
                f"| {name} | **{totals}** | **{run['seconds']:.2f}** | {run['rows']:,} | | | | | |"
            )
    return lines
