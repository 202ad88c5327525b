"""A small closed-loop HTTP load generator: N threads, each sending its next request as soon as
the previous answer has arrived, over a kept-alive connection when the server allows it
(gunicorn's sync workers close each connection, so the generator reconnects)."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def p95_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[94] * 1000

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000


class _Client:
    def __init__(self, host: str, port: int, headers: dict[str, str]):
        self.host, self.port, self.headers = host, port, headers
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str) -> int:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.connection.request("GET", path, headers=self.headers)
                response = self.connection.getresponse()
                response.read()
            except (ConnectionError, http.client.HTTPException):
                # The server closed a kept-alive connection between two requests: retry once.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.connection.close()
                self.connection = None
            return response.status
        raise AssertionError("unreachable")


def run_load(
    *,
    host: str,
    port: int,
    path: str,
    requests: int,
    concurrency: int,
    headers: dict[str, str] | None = None,
    expected_status: int = 200,
) -> LoadResult:
    """Send `requests` GETs of `path` from `concurrency` threads; raise on any other status."""
    headers = {"Host": host, "Accept-Encoding": "gzip", **(headers or {})}
    remaining = iter(range(requests))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def worker() -> None:
        client = _Client(host, port, headers)
        own: list[float] = []
        while True:
            with lock:
                if next(remaining, None) is None:
                    break
            started = time.perf_counter()
            status = client.get(path)
            own.append(time.perf_counter() - started)
            if status != expected_status:
                failures.append(f"{path} answered {status}")
                break
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise AssertionError(failures[0])
    return LoadResult(requests=len(latencies), seconds=elapsed, latencies=latencies)
