"""The benchmarks' memory figures are the measured process's own (part of `make test`: the
figures of `make bench` rest on it)."""

import subprocess
import sys
import textwrap

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
