"""A real Celery worker and beat for the outbox fault tests, and a mail backend whose record
of every send survives a `kill -9` of the worker.

    with worker_stack(database_url=..., mail_dir=tmp / "mail", lease_seconds=6) as stack:
        stack.worker.kill()        # SIGKILL: no cleanup, no acknowledgement, no last commit
        stack.start_worker()       # what a supervisor does next

The worker and beat run the portal's own code and settings (only the environment differs):
the database is the test's committed database, the broker a Redis database of its own, and
e-mail goes to `RecordingEmailBackend`. Beat sends the dispatcher every second.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.core.mail.backends.base import BaseEmailBackend

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = BASE_DIR / ".venv" / "bin" / "celery"

# The Redis database the workers use as broker and cache: not the tests' (they flush it).
_REDIS_DB = 13

_NOTIFICATION_ID = re.compile(r"<notification\.(\d+)\.")


class RecordingEmailBackend(BaseEmailBackend):
    """Accept every message and record it as one file in $FAULTS_MAIL_DIR, named after the
    notification's Message-ID; the file exists once `send_messages` returns (a `kill -9` of
    the process afterwards cannot undo it), like a provider that has accepted the message."""

    def send_messages(self, email_messages):
        folder = Path(os.environ["FAULTS_MAIL_DIR"])
        for message in email_messages:
            match = _NOTIFICATION_ID.match(message.extra_headers.get("Message-ID", ""))
            number = match.group(1) if match else "unknown"
            path = folder / f"{number}.{uuid.uuid4().hex}.eml"
            with path.open("x", encoding="utf-8") as file:
                file.write(f"To: {', '.join(message.to)}\nSubject: {message.subject}\n")
        return len(email_messages)


def sends_by_notification(mail_dir: Path) -> collections.Counter[int]:
    """Count the messages `RecordingEmailBackend` accepted, per notification id."""
    return collections.Counter(int(path.name.split(".")[0]) for path in mail_dir.glob("*.eml"))


def committed_database_url(database_name: str) -> str:
    """The environment's DATABASE_URL pointed at `database_name` (the test's database)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{database_name}"))


def _redis_url() -> str:
    parts = urlsplit(os.environ["REDIS_URL"])
    return urlunsplit(parts._replace(path=f"/{_REDIS_DB}"))


@dataclass
class Process:
    """One started process, its log file and how to break it."""

    name: str
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL the process and wait for it to be gone."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


@dataclass
class WorkerStack:
    environment: dict[str, str]
    folder: Path
    processes: list[Process] = field(default_factory=list)

    def _start(self, name: str, *args: str) -> Process:
        log = self.folder / f"{name}-{len(self.processes)}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [str(CELERY), "-A", "portal", *args],
                cwd=BASE_DIR,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started = Process(name=name, process=process, log=log)
        self.processes.append(started)
        return started

    def start_worker(self) -> Process:
        """Start a Celery worker (solo pool: one task, one message at a time)."""
        self.worker = self._start(
            "worker",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            "--hostname",
            f"faults-{uuid.uuid4().hex[:8]}@%h",
        )
        return self.worker

    def start_beat(self) -> Process:
        schedule = self.folder / f"beat-schedule-{len(self.processes)}"
        self.beat = self._start("beat", "beat", "--loglevel=INFO", "--schedule", str(schedule))
        return self.beat

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


@contextlib.contextmanager
def worker_stack(
    *, database_url: str, mail_dir: Path, folder: Path, lease_seconds: int, batch_size: int = 100
) -> Iterator[WorkerStack]:
    """Start a worker and beat (dispatcher every second) on the given database; stop both
    (and any worker started since) on exit. The broker's Redis database is emptied first, so
    no task of an earlier run is delivered."""
    import redis

    redis_url = _redis_url()
    redis.Redis.from_url(redis_url).flushdb()
    mail_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_BACKEND": "tests.faults.workers.RecordingEmailBackend",
        "FAULTS_MAIL_DIR": str(mail_dir),
        "NOTIFICATIONS_DISPATCH_SECONDS": "1",
        "NOTIFICATIONS_LEASE_SECONDS": str(lease_seconds),
        "NOTIFICATIONS_BATCH_SIZE": str(batch_size),
        "SITE_URL": "https://portal.example.gov",
        "PYTHONUNBUFFERED": "1",
    }
    stack = WorkerStack(environment=environment, folder=folder)
    try:
        stack.start_worker()
        stack.start_beat()
        yield stack
    finally:
        stack.stop()


def wait_until(condition, *, timeout: float, interval: float = 0.1, what: str = "", stack=None):
    """Poll `condition()` until it returns something true; return it, or fail after `timeout`
    seconds with the processes' last log lines."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            logs = "\n\n".join(
                f"--- {p.name} ---\n{p.log_tail()}" for p in (stack.processes if stack else [])
            )
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.\n{logs}")
        time.sleep(interval)


def write_results(name: str, lines: list[str]) -> Path:
    """Write a test's figures to tests/faults/results/<name>.txt (git-ignored) and print them."""
    folder = Path(__file__).parent / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return path
