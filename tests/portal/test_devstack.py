"""The development stack (portal/devstack.py): `make run`'s shutdown and supervision, one stack
per name, `exec` joining the running stack."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import psycopg
import pytest

from portal.devstack import BIN, Restarts, embedded_postgres, embedded_redis, stop_processes

# A server that ignores SIGTERM, as a Celery worker in a warm shutdown that cannot finish.
_STUBBORN = (
    "import signal, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(120)\n"
)


def _stubborn_process() -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", _STUBBORN], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "ready\n"
    return process


def test_a_server_that_ignores_the_request_to_stop_is_killed_after_the_grace():
    # given
    stubborn = _stubborn_process()
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])

    # when
    stop_processes([stubborn, polite], grace=0.5)

    # then
    assert (stubborn.returncode, polite.returncode) == (-signal.SIGKILL, -signal.SIGTERM)


def test_a_second_ctrl_c_while_waiting_kills_the_servers_at_once():
    # given: a long grace, and Ctrl-C pressed again while it runs
    stubborn = _stubborn_process()
    threading.Timer(0.3, os.kill, [os.getpid(), signal.SIGINT]).start()

    # when: the interrupt does not escape, and nothing is left running
    stop_processes([stubborn], grace=60)

    # then
    assert stubborn.returncode == -signal.SIGKILL


def test_a_process_that_keeps_stopping_is_restarted_later_each_time_then_given_up():
    # given
    restarts = Restarts(limit=5, window=300)

    # when: it stops every ten seconds
    delays = [restarts.delay(now) for now in (0, 10, 20, 30, 40, 50)]

    # then: 1, 2, 4, 8 and 16 seconds later, and not a sixth time within five minutes
    assert delays == [1, 2, 4, 8, 16, None]


def test_restarts_older_than_the_window_are_forgotten():
    # given
    restarts = Restarts(limit=2, window=300)
    restarts.delay(0)
    restarts.delay(10)

    # when
    delay = restarts.delay(400)

    # then
    assert delay == 1


# --- The embedded servers' stop -------------------------------------------------------------
# Each server is stopped, then its suspended process (SIGSTOP) stands in for one that cannot
# finish stopping in time, as PostgreSQL flushing a thousand files on a busy disk.

BASE_DIR = Path(__file__).resolve().parents[2]


def test_a_postgresql_that_cannot_finish_its_shutdown_is_stopped_at_once_and_keeps_its_data():
    # given: a committed row, and a checkpointer that cannot write the shutdown checkpoint
    data_dir = BASE_DIR / ".data" / f"devstack-test-{os.getpid()}-pg" / "postgres"
    processes = []
    try:
        with embedded_postgres(data_dir, grace=2) as url:
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute("CREATE TABLE kept (note text)")
                connection.execute("INSERT INTO kept VALUES ('committed')")
            postmaster = psutil.Process(int((data_dir / "postmaster.pid").read_text().split()[0]))
            processes = [postmaster, *postmaster.children()]
            checkpointer = next(p for p in processes if "checkpointer" in " ".join(p.cmdline()))
            checkpointer.suspend()

            # when
            started = time.monotonic()
        stopped_after = time.monotonic() - started

        # then: stopped within the grace and PostgreSQL's own 5 s for an immediate shutdown
        assert stopped_after < 2 + 5 + 3
        assert all(_stopped(process) for process in processes)
        with embedded_postgres(data_dir) as url, psycopg.connect(url) as connection:
            assert connection.execute("SELECT note FROM kept").fetchall() == [("committed",)]
    finally:
        for process in processes:
            with contextlib.suppress(psutil.Error):
                process.kill()
        shutil.rmtree(data_dir.parent, ignore_errors=True)


def _stopped(process: psutil.Process) -> bool:
    """Whether `process` has exited (a zombie not yet reaped by its parent included)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_redis_that_does_not_stop_when_asked_is_killed_after_the_grace():
    # given
    data_dir = BASE_DIR / ".data" / f"devstack-test-{os.getpid()}-redis"
    server = None
    try:
        with embedded_redis(data_dir, persistent=False, grace=1) as (_url, pid):
            server = psutil.Process(pid)
            server.suspend()

            # when
            started = time.monotonic()
        stopped_after = time.monotonic() - started

        # then
        assert stopped_after < 1 + 3
        assert _stopped(server)
    finally:
        if server is not None:
            with contextlib.suppress(psutil.Error):
                server.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


# --- Real stacks ---------------------------------------------------------------------------
# Each test below talks to real `python -m portal.devstack` processes with names of their own
# (their data under .data/<name>/, removed afterwards), the embedded PostgreSQL and Redis
# included. One stack is shared by the module to keep the run time modest.

READY = "The portal is running at"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stack_environment(name: str, port: int) -> dict[str, str]:
    """This process's environment without the servers of the stack that runs the tests."""
    environment = dict(os.environ, DEVSTACK_NAME=name, PORT=str(port), PYTHONUNBUFFERED="1")
    for variable in ("DATABASE_URL", "REDIS_URL", "SITE_URL"):
        environment.pop(variable, None)
    if environment.get("XDG_RUNTIME_DIR", "").startswith(str(BASE_DIR / ".data")):
        del environment["XDG_RUNTIME_DIR"]
    return environment


def devstack(name: str, *args: str, port: int = 0, timeout: float = 120):
    """Run a devstack command to its end; return its exit code and output."""
    result = subprocess.run(
        [sys.executable, "-m", "portal.devstack", *args],
        cwd=BASE_DIR,
        env=stack_environment(name, port or _free_port()),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


class RunningStack:
    """`make run` under its own name and port, its output collected as it comes."""

    def __init__(self, name: str):
        self.name = name
        self.root = BASE_DIR / ".data" / name
        self.port = _free_port()
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "portal.devstack", "run"],
            cwd=BASE_DIR,
            env=stack_environment(name, self.port),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, *, count: int = 1, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.output.count(text) < count:
            assert self.process.poll() is None, f"stopped before {text!r}:\n{self.output}"
            assert time.monotonic() < deadline, f"no {text!r} in time:\n{self.output}"
            time.sleep(0.2)

    def state(self) -> dict:
        return json.loads((self.root / "stack.json").read_text())

    def ready(self) -> int:
        """The status code of the portal's readiness check (database and Redis answer)."""
        url = f"http://127.0.0.1:{self.port}/readyz"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def wait_until_ready(self, timeout: float = 300) -> None:
        """Wait for the start-up message, then for the web server to answer (it may be slow
        to start on a busy machine)."""
        self.wait_for(READY, timeout=timeout)
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(urllib.error.URLError, ConnectionError):
                if self.ready() == 200:
                    return
            assert self.process.poll() is None, self.output
            assert time.monotonic() < deadline, f"the portal did not answer:\n{self.output}"
            time.sleep(0.5)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)

    def remove(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # stops its servers too, where SIGKILL would leave them
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def running_stack():
    started = RunningStack(f"devstack-test-{os.getpid()}-a")
    try:
        started.wait_until_ready()
        yield started
        assert started.stop() == 0, started.output
        assert not (started.root / "stack.json").exists()
    finally:
        started.remove()


def test_two_stacks_of_different_names_run_side_by_side(running_stack):
    # given
    second = RunningStack(f"devstack-test-{os.getpid()}-b")
    try:
        second.wait_until_ready()

        # when: a few seconds go by (beat used to stop a stack not named `run` at once)
        time.sleep(3)

        # then: both serve from their own servers, and keep every file in their own folder
        assert second.process.poll() is None, second.output
        assert (running_stack.ready(), second.ready()) == (200, 200)
        first_state, second_state = running_stack.state(), second.state()
        assert first_state["redis_url"] != second_state["redis_url"]
        assert first_state["database_url"] != second_state["database_url"]
        assert list(second.root.glob("celerybeat-schedule*")) != []

        # when: its web server dies
        os.kill(second_state["processes"]["web"]["pid"], signal.SIGKILL)

        # then: the stack stops, says why and lets go of its name; the other one runs on
        assert second.process.wait(timeout=60) == 1
        assert "The web server stopped" in second.output
        assert not (second.root / "stack.json").exists()
        assert running_stack.ready() == 200
    finally:
        second.remove()


def test_a_second_start_of_a_running_name_is_refused(running_stack):
    # when
    code, output = devstack(running_stack.name, "run")

    # then
    assert code == 1
    assert f"The development stack {running_stack.name!r} is already running" in output
    assert running_stack.ready() == 200


def test_exec_joins_the_servers_of_the_running_stack(running_stack):
    # given
    state = running_stack.state()
    show = "import os; print(os.environ['DATABASE_URL']); print(os.environ['REDIS_URL'])"

    # when
    code, output = devstack(running_stack.name, "exec", "--", sys.executable, "-c", show)

    # then
    assert (code, output) == (0, f"{state['database_url']}\n{state['redis_url']}\n")


def test_a_task_sent_through_exec_is_run_by_the_stack_worker(running_stack):
    # when
    code, output = devstack(
        running_stack.name, "exec", "--", str(BIN / "celery"), "-A", "portal", "call",
        "notifications.dispatch_pending",
    )  # fmt: skip

    # then
    assert code == 0, output
    running_stack.wait_for(f"Task notifications.dispatch_pending[{output.strip()}] succeeded")


def test_e_mails_printed_by_the_worker_come_out_plainly(running_stack):
    # given: the demo data's notifications are e-mailed by the worker soon after start
    running_stack.wait_for("Subject: ")

    # then: the console e-mail backend's lines are not logged as warnings of a pool worker
    assert "WARNING/ForkPoolWorker" not in running_stack.output


def test_a_killed_worker_is_restarted_and_the_stack_runs_on(running_stack):
    # given
    worker = running_stack.state()["processes"]["worker"]["pid"]
    banners = running_stack.output.count("celery@")

    # when
    os.kill(worker, signal.SIGKILL)

    # then
    running_stack.wait_for("The Celery worker stopped (exit code -9); restarting it")
    running_stack.wait_for("celery@", count=banners + 1)
    restarted = running_stack.state()["processes"]["worker"]["pid"]
    assert restarted != worker and psutil.pid_exists(restarted)
    assert running_stack.process.poll() is None
    assert running_stack.ready() == 200
