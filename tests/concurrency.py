"""Real concurrency for tests: threads with their own database connections."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection


def run_together(count: int, work):
    """Run `work(i)` in `count` threads released at the same instant; return the results
    (an exception in a thread is raised here)."""
    barrier = threading.Barrier(count)

    def task(i):
        try:
            barrier.wait(timeout=10)
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(task, range(count)))
