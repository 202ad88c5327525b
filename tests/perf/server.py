"""The benchmark's server: the portal under gunicorn on loopback, configured like production
(DEBUG off, collected static files served by WhiteNoise) except for plain HTTP."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
GUNICORN_WORKERS = 2


@dataclass(frozen=True)
class BenchServer:
    host: str
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's child processes."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def production_environment(*, database_url: str, static_root: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "tests.perf.bench_settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        # No TLS on loopback: no HTTPS redirect, cookies without the Secure flag.
        "SECURE_TLS": "false",
        "STATIC_ROOT": str(static_root),
        "EMAIL_URL": "consolemail://",
        "LOG_LEVEL": "WARNING",
        # As behind the agency's proxy: a benchmark that stands for many visitors names each
        # one's address in X-Forwarded-For, so the per-address sign-in limit counts visitors
        # (without the header, the connection's address counts).
        "TRUSTED_PROXY_COUNT": "1",
    }


def bench_database_url() -> str:
    """DATABASE_URL pointed at pytest-django's test database, for the gunicorn workers and
    worker processes of a benchmark (they are other processes, so they need its name)."""
    import urllib.parse

    from django.db import connection

    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    test_database = urllib.parse.quote(connection.settings_dict["NAME"], safe="")
    return urllib.parse.urlunsplit(url._replace(path="/" + test_database))


def collect_static(environment: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=environment,
        check=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(
    environment: dict[str, str],
    *,
    log_file: Path,
    timeout: int = 60,
    workers: int = GUNICORN_WORKERS,
) -> Iterator[BenchServer]:
    """Run `gunicorn portal.wsgi` with `workers` sync workers (2 unless told); stop it on exit.
    `timeout`: seconds a worker may spend on one request (a sync worker streaming a long
    download is busy for all of it)."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "portal.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        f"--timeout={timeout}",
        # gunicorn 27's control socket defaults to one path under ~/ for every server.
        "--no-control-socket",
        f"--error-logfile={log_file}",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=BASE_DIR, env=environment)
    server = BenchServer(host="127.0.0.1", port=port, process=process)
    try:
        _wait_until_ready(server, log_file=log_file, workers=workers)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(server: BenchServer, *, log_file: Path, workers: int) -> None:
    deadline = time.monotonic() + 60
    last_answer = "nothing"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_file.read_text()}")
        try:
            with urllib.request.urlopen(server.url + "/readyz", timeout=2):  # noqa: S310
                if len(server.worker_pids()) == workers:
                    return
        except urllib.error.HTTPError as error:
            last_answer = f"{error.code} {error.read()[:500]!r}"
        except OSError as error:
            last_answer = repr(error)
        time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn did not become ready; /readyz answered {last_answer}:\n{log_file.read_text()}"
    )


def rss_megabytes(pid: int) -> float:
    """Resident set size of process `pid` now, from /proc/<pid>/status (VmRSS)."""
    return _status_megabytes(pid, "VmRSS")


def peak_rss_megabytes(pid: int | str = "self") -> float:
    """The highest resident set size of process `pid` since it started its program (VmHWM).

    Not `resource.getrusage(...).ru_maxrss`: Linux carries a process's figure across the exec
    that starts a new program, so a worker started by the benchmark's pytest process would
    report the memory of pytest, with its million licenses, as its own.
    """
    return _status_megabytes(pid, "VmHWM")


def _status_megabytes(pid: int | str, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"No {field} for process {pid}")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) process `pid` has used so far, from /proc/<pid>/stat; 0 for a
    process that has gone (its time is then not counted)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return 0.0
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_backend_pids() -> list[int]:
    """The PostgreSQL server processes serving other connections to the test database (the
    benchmark server's), read through pytest's own connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]
