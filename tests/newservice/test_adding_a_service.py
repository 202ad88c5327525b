"""A new service plugs into the engine without a change to cases/, payments/ or
notifications/ (docs/adding-a-service.md): the pet show in ./petshow is installed in
settings of its own, migrated into a database of its own, and run end to end."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db  # the suite's session set-up needs its database

HERE = Path(__file__).resolve().parent


def _other_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def test_a_service_added_from_outside_the_engine_works_end_to_end():
    # given: the portal's settings plus the pet show, on a database and a Redis of its own
    environment = {
        **os.environ,
        "DATABASE_URL": _other_database(os.environ["DATABASE_URL"], "petshow"),
        "REDIS_URL": _other_database(os.environ["REDIS_URL"], "7"),
    }

    # when
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(HERE / "petshow" / "journey.py"),
            "--ds=tests.newservice.petshow.settings",
            "-o",
            "addopts=-p no:cacheprovider",
            "--create-db",
            "-q",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )

    # then
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
