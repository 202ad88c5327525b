"""Redis and PostgreSQL outages under a small load of residents and visitors.

Real processes (tests/faults/conftest.py): gunicorn with two sync workers, a Celery worker
with beat, PostgreSQL and Redis of this test's own. Each outage lasts OUTAGE_SECONDS (30 s:
every kind of visit runs many times while the server is away, each process skips Redis
through some fifteen circuit-breaker pauses, and the mail queued meanwhile builds a backlog
that must drain once it is back). The figures of each
run are printed and written to results/latest.json (git-ignored); the table in docs/faults.md
is copied from a real run.
"""

from __future__ import annotations

import contextlib
import time

import requests

from tests.faults.load import Record, Session, Visitor, signed_in, visits

OUTAGE_SECONDS = 30
SETTLE_SECONDS = 3
RECOVERY_LIMIT_SECONDS = 30
# A page paces itself at one request every PAGE_PACE seconds, a form post every FORM_PACE.
PAGE_PACE = 0.5
FORM_PACE = 1.0
# The sign-in visitor tries every SIGN_IN_PACE seconds: during a database outage it makes
# more attempts than allauth's limit of 5 failures per address in 5 minutes.
SIGN_IN_PACE = 1.0
FINE = {200, 302}
PAGE_LIMIT_SECONDS = 5


@contextlib.contextmanager
def load(stack) -> Record:
    record = Record()
    kinds = visits(stack.web.url, residents=stack.residents, category=stack.category)
    visitors = [
        Visitor(
            name,
            visit,
            record=record,
            pace=SIGN_IN_PACE if name.startswith("sign-in") else
            FORM_PACE if "form post" in name else PAGE_PACE,
        )
        for name, visit in kinds.items()
    ]  # fmt: skip
    for visitor in visitors:
        visitor.start()
    try:
        yield record
    finally:
        for visitor in visitors:
            visitor.stop()
        for visitor in visitors:
            visitor.join(timeout=30)


def wait_until(condition, *, limit: float = RECOVERY_LIMIT_SECONDS) -> float:
    """Seconds until `condition()` is true; fails the test after `limit`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit:
            raise AssertionError(f"Not recovered after {limit} s: {condition.__doc__}")
        time.sleep(0.1)
    return round(time.monotonic() - started, 2)


def readyz(stack) -> dict:
    try:
        return requests.get(stack.web.url + "/readyz", timeout=5).json()
    except (requests.RequestException, ValueError):
        return {}


def mail_drained(stack):
    def drained() -> bool:
        """every queued e-mail sent"""
        rows = stack.query(
            "SELECT count(*) FROM notifications_notification "
            "WHERE channel = 'email' AND status <> 'sent'"
        )
        return rows[0][0] == 0

    return drained


def summary(answers) -> dict:
    by_action: dict[str, dict] = {}
    for answer in answers:
        statuses = by_action.setdefault(answer.action, {})
        statuses[str(answer.status)] = statuses.get(str(answer.status), 0) + 1
    slowest: dict[str, float] = {}
    for answer in answers:
        slowest[answer.action] = max(slowest.get(answer.action, 0), round(answer.seconds, 2))
    errors = Record.statuses([a for a in answers if a.status not in FINE])
    return {
        "requests": len(answers),
        "errors_by_status": errors,
        "statuses_by_action": dict(sorted(by_action.items())),
        "slowest_seconds_by_action": dict(sorted(slowest.items())),
    }


def reports_in_database(stack) -> set[str]:
    rows = stack.query(
        "SELECT description FROM concerns_concernreport WHERE description LIKE 'fault-report-%%'"
    )
    return {description for (description,) in rows}


def test_redis_stopped_and_killed_under_load(stack, results):
    figures = {}
    with load(stack) as record:
        time.sleep(SETTLE_SECONDS)
        for fault, restore in (("pause", "resume"), ("kill", "start")):
            # when: Redis stops answering (SIGSTOP) or dies (SIGKILL) for OUTAGE_SECONDS
            down = time.monotonic()
            getattr(stack.redis, fault)()
            time.sleep(OUTAGE_SECONDS / 2)
            during = readyz(stack)
            time.sleep(OUTAGE_SECONDS / 2)
            getattr(stack.redis, restore)()
            back = time.monotonic()

            # then: /readyz said Redis was down; once back, it says so, and the mail queued
            # meanwhile (in the outbox, for the dispatcher) goes out
            assert during.get("checks") == {"database": "ok", "redis": "unavailable"}, during
            ready_after = wait_until(lambda: readyz(stack).get("status") == "ok")
            drained_after = wait_until(mail_drained(stack))
            figures[f"redis_{'stopped' if fault == 'pause' else 'killed'}"] = {
                "outage_seconds": OUTAGE_SECONDS,
                "during_outage": summary(record.between(down, back)),
                "readyz_ok_after_seconds": ready_after,
                "mail_backlog_drained_after_seconds": drained_after,
            }
            time.sleep(SETTLE_SECONDS)
    answers = record.answers
    for name, phase in figures.items():
        print(f"\n{name}: {phase}")
    results.update(figures)

    # then: no page and no form failed, before, during or after the outages...
    assert Record.statuses([a for a in answers if a.status not in FINE]) == {}
    # ...and no page waited for Redis: a stopped Redis holds a connection without a timeout
    # for good (20 s before the cache had one). The limit leaves room for a busy machine,
    # where two sync workers queue the load's requests behind sign-ins' password hashing.
    pages = [a for a in answers if "form post" not in a.action]
    assert max(a.seconds for a in pages) < PAGE_LIMIT_SECONDS
    # ...and every report sent is in the database, its mail sent
    sent = {a.token for a in answers if a.token and a.status == 302}
    assert reports_in_database(stack) == sent
    assert mail_drained(stack)()
    # the load really ran through both outages
    assert all(phase["during_outage"]["requests"] > 50 for phase in figures.values())


def test_postgres_restarted_under_load(stack, results):
    web_pid, worker_pid = stack.web.process.pid, stack.worker.pid
    checker = Session(stack.web.url)
    assert signed_in(checker.sign_in(stack.residents[3]))

    with load(stack) as record:
        time.sleep(SETTLE_SECONDS)
        # when: PostgreSQL shuts down (fast: sessions cut) for OUTAGE_SECONDS
        down = time.monotonic()
        stack.postgres.stop()
        time.sleep(OUTAGE_SECONDS)
        stack.postgres.start()
        back = time.monotonic()

        # then: pages answer again without restarting anything, and the resident whose
        # sign-ins failed meanwhile (stack.residents[2]) signs in at once
        def dashboard_works() -> bool:
            """a signed-in page answers"""
            return checker.request("GET", "/account/").status_code == 200

        recovered_after = wait_until(dashboard_works)
        recovered = time.monotonic()
        sign_in_after = Session(stack.web.url).sign_in(stack.residents[2])
        time.sleep(SETTLE_SECONDS)
    drained_after = wait_until(mail_drained(stack))

    answers = record.answers
    # A request overlaps the outage if it was still running when PostgreSQL went down.
    during = [a for a in answers if a.at + a.seconds >= down and a.at < recovered]
    figures = {
        "outage_seconds": round(back - down, 1),
        "before_outage": summary([a for a in answers if a.at + a.seconds < down]),
        "during_outage": summary(during),
        "pages_ok_after_seconds": recovered_after,
        "sign_in_right_after": sign_in_after.status_code,
        "mail_backlog_drained_after_seconds": drained_after,
        "outside_outage": summary([a for a in answers if a not in during]),
    }
    print(f"\npostgres_restarted: {figures}")
    results["postgres_restarted"] = figures

    # then: errors only while it was down, and those a 503 "try again", never a 500
    outside = [a for a in answers if a not in during]
    assert Record.statuses([a for a in outside if a.status not in FINE]) == {}
    assert set(Record.statuses(during)) <= {"200", "302", "503"}
    assert Record.statuses(during).get("503", 0) > 0
    # every report either completed (302) or left nothing behind
    completed = {a.token for a in answers if a.token and a.status == 302}
    assert reports_in_database(stack) == completed
    # the same web and worker processes served before and after, and the sign-in right after
    # the outage was not refused for the attempts the outage made fail
    assert (stack.web.process.poll(), stack.worker.poll()) == (None, None)
    assert (stack.web.process.pid, stack.worker.pid) == (web_pid, worker_pid)
    assert signed_in(sign_in_after), sign_in_after.status_code
    assert mail_drained(stack)()
