"""Settings of the benchmark server: the portal's own, plus the bare baseline view's URL and
the workflow of the benchmark's cases (so their pages render their real labels)."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "portal.benchviews"
INSTALLED_APPS = [*INSTALLED_APPS, "tests.perf.apps.BenchConfig"]  # noqa: F405
