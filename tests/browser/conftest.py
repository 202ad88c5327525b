"""Browser tests: Playwright (sync API) driving the system's Chromium against `live_server`.

One browser for the whole session, one page (in a fresh context) per test. The live server
runs in a thread of this process, so the test database, the Redis cache and `mail.outbox`
are shared with the test.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_home() -> Iterator[str]:
    """A throw-away home folder, so Chromium writes no profile or cache under ~/."""
    folder = tempfile.mkdtemp(prefix="portal-chromium-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_home: str) -> dict:
    """Launch Debian's Chromium (CHROMIUM_PATH overrides it); Playwright cannot download one."""
    return {
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
        "env": {
            **os.environ,
            "HOME": browser_home,
            "XDG_CACHE_HOME": os.path.join(browser_home, ".cache"),
            "XDG_CONFIG_HOME": os.path.join(browser_home, ".config"),
        },
    }


@pytest.fixture(scope="session", autouse=True)
def _allow_database_calls_beside_playwright():
    """Let Django query the database while Playwright's event loop is marked as running.

    Playwright's sync API keeps its asyncio loop marked as running in the test thread for the
    rest of the session, and Django refuses synchronous database calls there (including
    pytest-django's teardown). Nothing in these tests is asynchronous, so the guard only gets
    in the way. It stays off after the browser tests, because the loop stays marked too.
    """
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Sign-ups and log-ins through the browser hash passwords in the live server thread;
    # a cheap hasher keeps the suite fast without changing any behavior under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()
