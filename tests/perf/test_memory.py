"""Checks of the benchmarks' own helpers (part of `make test`: the figures of `make bench` rest
on them): memory figures are the measured process's own, and a complete run is recognised."""

import subprocess
import sys
import textwrap

from tests.perf.conftest import benchmark_files
from tests.perf.server import BASE_DIR

# A parent holding 300 MB starts a Python process that reports its own peak, as the pytest
# process of `make bench`, with a million licenses' worth of memory, starts the reminder worker.
_PARENT = textwrap.dedent(
    """
    import subprocess, sys
    held = bytearray(300 * 1024 * 1024)
    for page in range(0, len(held), 4096):
        held[page] = 1
    child = "from tests.perf.server import peak_rss_megabytes; print(peak_rss_megabytes())"
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True)
    print(done.stdout, done.stderr)
    """
)


def test_a_process_peak_is_its_own_and_not_its_parents():
    # when
    completed = subprocess.run(
        [sys.executable, "-c", _PARENT], cwd=BASE_DIR, capture_output=True, text=True, check=True
    )

    # then: a bare Python process peaks at some tens of MB, far from its parent's 300
    assert 5 < float(completed.stdout.split()[0]) < 100, completed.stdout


def test_a_complete_benchmark_run_needs_the_benchmark_files_only():
    # when
    names = sorted(path.name for path in benchmark_files())

    # then: this file, which `make bench` deselects, does not make every run partial
    assert "test_memory.py" not in names
    assert {"test_bench.py", "test_reminders.py"} <= set(names)
