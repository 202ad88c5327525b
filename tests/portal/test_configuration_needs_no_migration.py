"""An agency's own settings (its languages, its area) never call for a migration."""

import os
import subprocess
import sys

from django.conf import settings


def test_another_agencys_settings_need_no_migration():
    # given: settings that differ from ours in everything a model could have copied
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.other_agency_settings"}

    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    assert result.returncode == 0, result.stdout + result.stderr
