"""Visitors with think time: N concurrent sessions, each a visitor's browser going through a
journey of pages with a human pause before each page, for a set time.

This is the closed model with think time of the standard web benchmarks: a fixed number of
visitors, each of whom asks for a page, reads it, fills in the next form, asks for the next
page, and at the end of their journey leaves and is replaced by a new visitor (a new
browser: no cookies). Without the pause, N visitors are N requests always in flight, a
stress test whose latency is set by queueing (Little's law: waiting time = visitors /
throughput) whatever the pages cost; `NO_THINK` keeps that mode for a secondary figure.

The pause is drawn from a negative exponential distribution of mean 7 s, cut off at 70 s:
the think time the TPC-W specification (the Transaction Processing Performance Council's
web commerce benchmark) fixes for its emulated browsers, a person's time between two pages
of a shopping or look-up journey; RUBiS and later web benchmarks took the same figure.
Its memoryless shape makes the pages' arrivals at the server random rather than in step,
as many independent people's are. It stands for reading a page and typing into the next form
(a parcel number, a last name, an e-mail address). It is that standard's figure, not one
fitted to any budget here.

The load runs in one asyncio event loop (httpx's AsyncClient, one per visitor for its own
cookies), not a thread per visitor, so that the generator itself takes little of the CPU
the server shares with it; each run reports the generator's CPU time so that this can be
checked.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import itertools
import logging
import os
import random
import re
import ssl
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

# TPC-W's emulated browsers: think time negative exponential, mean 7 s, at most 70 s.
THINK_MEAN_SECONDS = 7.0
THINK_MAX_SECONDS = 70.0
# An answer slower than this is a failed request (gunicorn's --timeout in production).
REQUEST_TIMEOUT_SECONDS = 30.0

# httpx logs every request at INFO: thousands of lines a run, and CPU the server shares.
logging.getLogger("httpx").setLevel(logging.WARNING)

_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class ThinkTime:
    """A visitor's pause before each page: exponential of `mean_seconds`, at most
    `max_seconds`; 0 for no pause at all."""

    mean_seconds: float
    max_seconds: float

    def draw(self, rng: random.Random) -> float:
        if self.mean_seconds <= 0:
            return 0.0
        return min(rng.expovariate(1 / self.mean_seconds), self.max_seconds)

    def describe(self) -> str:
        if self.mean_seconds <= 0:
            return "no think time"
        return (
            f"think time exponential, mean {self.mean_seconds:g} s, at most {self.max_seconds:g} s"
        )


HUMAN = ThinkTime(THINK_MEAN_SECONDS, THINK_MAX_SECONDS)
NO_THINK = ThinkTime(0.0, 0.0)


@dataclass(frozen=True)
class Answer:
    page: str
    status: int | str  # the HTTP status, or the name of the failure (a timeout, a reset)
    seconds: float
    error: bool


class JourneyFailed(Exception):
    """A page answered other than expected: the visitor gives up this journey."""


class _TimeUp(Exception):
    pass


class Browser:
    """One visitor's browser for one journey: its own cookies, its own address (sent as
    X-Forwarded-For, as the agency's proxy does, so per-address limits count each visitor),
    a pause before each page it asks for."""

    def __init__(self, client: httpx.AsyncClient, run: _Run, address: str):
        self.client, self.run, self.address = client, run, address
        self.csrf_token = ""

    async def think(self) -> None:
        """Pause as the visitor reads and types; end the journey if the run's time is up."""
        pause = self.run.think.draw(self.run.rng)
        left = self.run.deadline - time.monotonic()
        if pause >= left:
            await asyncio.sleep(max(left, 0))
            raise _TimeUp
        await asyncio.sleep(pause)

    async def get(self, page: str, path: str, *, expect: int = 200, shows: str = ""):
        return await self._ask(page, "GET", path, expect=expect, shows=shows)

    async def post(self, page: str, path: str, data: dict, *, expect: int, shows: str = ""):
        data = {"csrfmiddlewaretoken": self.csrf_token, **data}
        return await self._ask(page, "POST", path, data=data, expect=expect, shows=shows)

    async def _ask(
        self, page: str, method: str, path: str, *, expect: int, shows: str, data=None
    ) -> httpx.Response | None:
        if time.monotonic() >= self.run.deadline:
            raise _TimeUp
        started = time.perf_counter()
        response = None
        try:
            response = await self.client.request(
                method, path, data=data, headers={"X-Forwarded-For": self.address}
            )
            status: int | str = response.status_code
        except httpx.HTTPError as error:
            status = type(error).__name__
        seconds = time.perf_counter() - started
        failed = status != expect or (shows and shows not in response.text)
        if not failed and response is not None:
            token = _CSRF_FIELD.search(response.text)
            if token:
                self.csrf_token = token.group(1)
        self.run.answers.append(Answer(page, status, seconds, bool(failed)))
        if failed:
            shown = f"{status}" if status != expect else f"{status} without {shows!r}"
            raise JourneyFailed(f"{page}: {shown}")
        return response


Journey = Callable[[Browser, int], Awaitable[None]]


@dataclass
class _Run:
    think: ThinkTime
    deadline: float
    rng: random.Random
    answers: list[Answer] = dataclasses.field(default_factory=list)
    journeys_started: int = 0
    journeys_completed: int = 0
    journeys_failed: int = 0


@dataclass(frozen=True)
class GuestRun:
    """What a run measured."""

    guests: int
    think: ThinkTime
    seconds: float  # from the first visitor's start to the last answer
    answers: list[Answer]
    journeys_started: int
    journeys_completed: int
    journeys_failed: int
    generator_cpu_seconds: float

    @property
    def errors(self) -> int:
        return sum(1 for answer in self.answers if answer.error)

    def summary(self, page: str | None = None) -> dict:
        """Answers, errors, median and p95 (ms) of one page or of every answer."""
        rows = [a for a in self.answers if page is None or a.page == page]
        latencies = sorted(a.seconds for a in rows)
        return {
            "answers": len(rows),
            "errors": sum(1 for a in rows if a.error),
            "median_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
            "p95_ms": _p95(latencies) * 1000 if latencies else 0.0,
        }

    def pages(self) -> list[str]:
        return list(dict.fromkeys(answer.page for answer in self.answers))

    def first_errors(self, count: int = 5) -> list[str]:
        return sorted({f"{a.page}: {a.status}" for a in self.answers if a.error})[:count]


def _p95(latencies: list[float]) -> float:
    if len(latencies) == 1:
        return latencies[0]
    return statistics.quantiles(latencies, n=100, method="inclusive")[94]


def visitor_address(journey: int) -> str:
    """A documentation address (RFC 3849, never routed) in a /64 network of its own for each
    journey: the rate limits count an IPv6 visitor by /64."""
    return f"2001:db8:{journey >> 16:x}:{journey & 0xFFFF:x}::1"


async def _visitor(
    base_url: str, run: _Run, journey: Journey, numbers, tls: ssl.SSLContext, max_journeys
) -> None:
    async with httpx.AsyncClient(
        base_url=base_url,
        follow_redirects=False,
        timeout=REQUEST_TIMEOUT_SECONDS,
        trust_env=False,
        verify=tls,  # plain HTTP here; one shared context spares each client building its own
    ) as client:
        for _ in range(max_journeys) if max_journeys else itertools.count():
            if time.monotonic() >= run.deadline:
                return
            number = next(numbers)
            client.cookies.clear()  # a new visitor: a browser that has not been here
            run.journeys_started += 1
            try:
                await journey(Browser(client, run, visitor_address(number)), number)
            except _TimeUp:
                return
            except JourneyFailed:
                run.journeys_failed += 1
            else:
                run.journeys_completed += 1


async def _run_guests(
    base_url, guests, seconds, think, journey, seed, first, max_journeys
) -> GuestRun:
    run = _Run(think=think, deadline=time.monotonic() + seconds, rng=random.Random(seed))
    numbers = itertools.count(first)
    tls = ssl.create_default_context()
    cpu, started = time.process_time(), time.monotonic()
    await asyncio.gather(
        *(_visitor(base_url, run, journey, numbers, tls, max_journeys) for _ in range(guests))
    )
    return GuestRun(
        guests=guests,
        think=think,
        seconds=time.monotonic() - started,
        answers=run.answers,
        journeys_started=run.journeys_started,
        journeys_completed=run.journeys_completed,
        journeys_failed=run.journeys_failed,
        generator_cpu_seconds=time.process_time() - cpu,
    )


def run_guests(
    *,
    base_url: str,
    guests: int,
    seconds: float,
    think: ThinkTime,
    journey: Journey,
    seed: int = 16,
    first: int = 0,
    max_journeys: int | None = None,
) -> GuestRun:
    """`guests` visitors at once for `seconds`, each going through `journey(browser, n)`
    again and again, a new visitor each time; no request starts after `seconds`. `n` is the
    journey's number, counted from `first` (it also picks the visitor's address, so runs
    that should not share rate-limit counts start far apart). `max_journeys`: each visitor
    stops after that many (a warm-up).

    The guests' event loop runs in a thread of its own, so a caller whose thread already
    runs one (Playwright's synchronous API leaves one running in a test process) can call
    this too."""
    guests_run = _run_guests(base_url, guests, seconds, think, journey, seed, first, max_journeys)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, guests_run).result()


def seconds_from_environment(name: str, default: float) -> float:
    """A run's length from the environment variable `name` (seconds), else `default`."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    seconds = float(value)
    if seconds <= 0:
        raise ValueError(f"{name} must be a positive number of seconds, not {value!r}.")
    return seconds
