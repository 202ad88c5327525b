"""The worker loads the URL configuration as it starts, not inside its first task."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WORKER_START = """
import sys
import django
django.setup()
from celery.signals import worker_init
from portal.celery import app
before = "taxes.urls" in sys.modules
worker_init.send(sender=app)
from django.urls import get_resolver
print(before, "taxes.urls" in sys.modules, "taxes" in get_resolver().namespace_dict)
"""


def test_a_starting_worker_loads_every_apps_urls_before_any_task_runs():
    # given: a fresh process, as a worker is
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}

    # when: the worker starts
    completed = subprocess.run(
        [sys.executable, "-c", WORKER_START],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
    )

    # then: the URLs were not loaded before, and are after
    assert completed.stdout.split() == ["False", "True", "True"], completed.stderr
