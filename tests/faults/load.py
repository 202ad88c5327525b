"""A small load of residents and visitors on a running portal, recording every answer.

Each `Visitor` is a thread with its own cookies doing one kind of visit in a loop, paced, so
the figures count requests, not how fast the machine is. Every request carries its own client
address (the server trusts the X-Client-Ip header in these tests), so the per-address rate
limits measure nothing but the faults.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

from tests.accounts.factories import DEFAULT_PASSWORD

CLIENT_IP_HEADER = "X-Client-Ip"
_addresses = (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in itertools.count(1))
_address_lock = threading.Lock()


def next_address() -> str:
    with _address_lock:
        return next(_addresses)


@dataclass(frozen=True)
class Answer:
    at: float  # time.monotonic() when the request was sent
    action: str
    status: int  # 0: no answer (connection refused, reset, timeout)
    seconds: float
    token: str = ""  # the description of a concern report sent, to find it in the database


@dataclass
class Record:
    answers: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def between(self, start: float, end: float) -> list[Answer]:
        with self.lock:
            return [a for a in self.answers if start <= a.at < end]

    @staticmethod
    def statuses(answers: list[Answer]) -> dict[str, int]:
        return {str(k): v for k, v in sorted(Counter(a.status for a in answers).items())}


class Session:
    """One browser: cookies, and the CSRF token Django gave it."""

    def __init__(self, base_url: str, *, timeout: float = 10):
        self.base_url = base_url
        self.http = requests.Session()
        self.timeout = timeout

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {CLIENT_IP_HEADER: next_address(), "Referer": self.base_url + path}
        return self.http.request(
            method,
            self.base_url + path,
            headers=headers,
            timeout=self.timeout,
            allow_redirects=False,
            **kwargs,
        )

    def form(self, path: str, data: dict) -> requests.Response:
        """Open the form at `path` and send it with `data`, as a browser would; the form
        page's answer if it did not open (an outage)."""
        page = self.request("GET", path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if page.status_code != 200 or match is None:
            return page
        return self.request("POST", path, data={**data, "csrfmiddlewaretoken": match.group(1)})

    def sign_in(self, email: str, password: str = DEFAULT_PASSWORD) -> requests.Response:
        return self.form("/accounts/login/", {"login": email, "password": password})


def signed_in(response: requests.Response) -> bool:
    return response.status_code == 302 and "/login" not in response.headers.get("Location", "")


class Visitor(threading.Thread):
    """Repeats `visit` every `pace` seconds until stopped, recording each answer."""

    def __init__(self, name: str, visit, *, record: Record, pace: float):
        super().__init__(name=name, daemon=True)
        self.visit, self.record, self.pace = visit, record, pace
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                status, token = self.visit()
            except requests.RequestException:
                status, token = 0, ""
            self.record.add(Answer(started, self.name, status, time.monotonic() - started, token))
            self.stopping.wait(max(self.pace - (time.monotonic() - started), 0))

    def stop(self) -> None:
        self.stopping.set()


_tokens = itertools.count(1)


def report_token() -> str:
    return f"fault-report-{next(_tokens)}"


def visits(base_url: str, *, residents: list[str], category: str) -> dict:
    """The kinds of visit, each a callable returning (status, token)."""
    guest = Session(base_url)
    resident_sessions = [Session(base_url) for _ in residents[:2]]
    for session, email in zip(resident_sessions, residents, strict=False):
        if not signed_in(session.sign_in(email)):
            raise RuntimeError(f"{email} could not sign in before the test")
    details = f"/concerns/report/{category}/details/?address=100+Main+Street"
    reporter, browser = resident_sessions
    signer = residents[2]

    def page(session: Session, path: str):
        return lambda: (session.request("GET", path).status_code, "")

    def report(session: Session, *, as_guest: bool):
        def visit():
            token = report_token()
            data = {"address": "100 Main Street", "description": token}
            if as_guest:
                # One guest per report: an unverified address gets only a few messages an
                # hour (NOTIFICATIONS_GUEST_MESSAGES_PER_HOUR), and each report's must be sent.
                data["guest_email"] = f"{token}@example.org"
            response = session.form(details, data)
            return response.status_code, token

        return visit

    def sign_in():
        # A fresh browser each time, the correct password: a refusal is the lockout.
        response = Session(base_url).sign_in(signer)
        return response.status_code, ""

    return {
        "signed-out home": page(guest, "/"),
        "signed-out license lookup": page(guest, "/licenses/lookup/?q=Smith"),
        "signed-in dashboard": page(browser, "/account/"),
        "signed-in profile": page(browser, "/accounts/profile/"),
        "signed-in report (form post)": report(reporter, as_guest=False),
        "guest report (form post)": report(Session(base_url), as_guest=True),
        "sign-in (form post)": sign_in,
    }
