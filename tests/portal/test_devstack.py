"""`make run`'s shutdown: the servers it started never outlive it (portal/devstack.py)."""

import os
import signal
import subprocess
import sys
import threading

from portal.devstack import stop_processes

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
