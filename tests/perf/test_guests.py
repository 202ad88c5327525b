"""Checks of the due-date spike's guests (tests/perf/guests.py), part of `make test`: the
think time has the stated distribution, every answer other than the page's own counts as
an error, and each journey is a new browser. Against a small HTTP server on loopback."""

from __future__ import annotations

import asyncio
import random
import statistics
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.perf.guests import HUMAN, NO_THINK, Browser, GuestRun, ThinkTime, run_guests


def test_think_time_is_exponential_with_the_stated_mean_and_cap():
    # when
    rng = random.Random(1)
    draws = [HUMAN.draw(rng) for _ in range(50_000)]

    # then: mean 7 s (less the little the 70 s cap takes off), median 7 s times ln 2
    assert max(draws) <= 70
    assert 6.8 < statistics.fmean(draws) < 7.2
    assert 4.6 < statistics.median(draws) < 5.1
    assert NO_THINK.draw(rng) == 0


class _Site(BaseHTTPRequestHandler):
    """/start sets a cookie and shows a CSRF field; /next answers 200 to a browser holding
    the cookie and a token, 403 otherwise; /broken answers 500."""

    seen_cookies: list[str | None] = []

    def do_GET(self):
        type(self).seen_cookies.append(self.headers.get("Cookie"))
        if self.path == "/start":
            self._answer(
                200,
                b'<input name="csrfmiddlewaretoken" value="t0ken">',
                {"Set-Cookie": "visitor=1; Path=/"},
            )
        elif self.path == "/broken":
            self._answer(500, b"")
        else:
            self._answer(404, b"")

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        ok = self.headers.get("Cookie") == "visitor=1" and "csrfmiddlewaretoken=t0ken" in body
        self._answer(303 if ok else 403, b"", {"Location": "/elsewhere"})

    def _answer(self, status, body, headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    _Site.seen_cookies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_journey_carries_its_cookies_and_token_and_the_next_one_starts_without(site):
    async def journey(browser: Browser, n: int) -> None:
        await browser.get("start", "/start", shows="csrfmiddlewaretoken")
        await browser.post("send", "/send", {}, expect=303)

    # when
    run = run_guests(
        base_url=site, guests=1, seconds=30, think=NO_THINK, journey=journey, max_journeys=2
    )

    # then
    assert run.errors == 0, run.first_errors()
    assert (run.journeys_completed, run.journeys_failed) == (2, 0)
    assert _Site.seen_cookies == [None, None]  # each journey's first page: a new browser
    assert run.summary("send")["answers"] == 2


def test_an_unexpected_answer_is_an_error_and_ends_the_journey(site):
    async def journey(browser: Browser, n: int) -> None:
        if n == 0:
            await browser.get("broken", "/broken")
        elif n == 1:
            await browser.get("start", "/start", shows="not on the page")
        else:
            await browser.post("send", "/send", {}, expect=303)  # no cookie: 403
        await browser.get("never asked", "/start")

    # when
    run = run_guests(
        base_url=site, guests=1, seconds=30, think=NO_THINK, journey=journey, max_journeys=3
    )

    # then
    assert run.errors == 3
    assert run.journeys_failed == 3
    assert run.first_errors() == ["broken: 500", "send: 403", "start: 200"]
    assert "never asked" not in run.pages()


def test_an_unreachable_server_is_an_error_not_a_crash():
    async def journey(browser: Browser, n: int) -> None:
        await browser.get("home", "/")

    # when: a port nothing listens on
    run = run_guests(
        base_url="http://127.0.0.1:9", guests=1, seconds=30, think=NO_THINK, journey=journey,
        max_journeys=1,
    )  # fmt: skip

    # then
    assert run.errors == 1
    assert run.first_errors() == ["home: ConnectError"]


def test_no_page_is_asked_for_after_the_run_s_time(site):
    async def journey(browser: Browser, n: int) -> None:
        await browser.think()
        await browser.get("start", "/start")

    # when: with the runs' fixed seed, every first pause is far longer than the run
    run = run_guests(
        base_url=site, guests=3, seconds=0.5, think=ThinkTime(1000, 1000), journey=journey
    )

    # then
    assert run.answers == []
    assert run.seconds < 5


def test_guests_run_from_a_thread_whose_event_loop_is_running():
    # given: the caller's thread runs an event loop, as Playwright's synchronous API leaves
    # one running in the test process once a browser test has started it
    async def journey(browser: Browser, n: int) -> None:
        await browser.get("home", "/")

    async def caller() -> GuestRun:
        return run_guests(
            base_url="http://127.0.0.1:9", guests=1, seconds=30, think=NO_THINK,
            journey=journey, max_journeys=1,
        )  # fmt: skip

    # when: called from inside that loop (in a thread of the test's own, since this one may
    # already run Playwright's)
    runs: list[GuestRun] = []
    thread = threading.Thread(target=lambda: runs.append(asyncio.run(caller())))
    thread.start()
    thread.join(timeout=60)

    # then: the guests ran (their own loop), and met the closed port
    [run] = runs
    assert run.first_errors() == ["home: ConnectError"]
