"""The notification outbox under real faults: a real Celery worker and beat, on the test's
committed PostgreSQL database and a Redis broker, killed or fed a poisoned message.

Figures go to tests/faults/results/ (and stdout)."""

import time

import pytest
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from notifications.models import Notification
from tests.faults.workers import (
    committed_database_url,
    sends_by_notification,
    wait_until,
    worker_stack,
    write_results,
)

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 6


def _queue(count: int, *, prefix: str) -> list[int]:
    """Queue `count` e-mails to guests, due now; return their ids in order."""
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        Notification(
            channel=Notification.Channel.EMAIL,
            to_address=f"resident{number}@example.org",
            template_key="cases/submitted",
            context={
                "guest_name": f"Resident {number}",
                "service_name": "Food truck license",
                "reference": f"LIC-2026-{number:06d}",
                "status_label": "Submitted",
                "case_url": f"https://portal.example.gov/cases/{number}/",
            },
            language="en",
            dedupe_key=f"{prefix}-{number}:email",
            available_at=now,
        )
        for number in range(count)
    )
    return [row.pk for row in rows]


def _status_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Notification.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_worker_killed_mid_batch_loses_nothing_and_sends_at_most_the_message_in_flight_twice(
    tmp_path,
):
    # given: 2,000 e-mails queued, a worker sending them
    total = 2000
    ids = _queue(total, prefix="kill")
    mail_dir = tmp_path / "mail"
    database_url = committed_database_url(connection.settings_dict["NAME"])

    with worker_stack(
        database_url=database_url,
        mail_dir=mail_dir,
        folder=tmp_path,
        lease_seconds=LEASE_SECONDS,
    ) as stack:
        first_worker = stack.worker
        # Half way through a batch (of 100), not at its end: the worker then holds claims.
        wait_until(
            lambda: len(list(mail_dir.glob("*.eml"))) >= 550,
            timeout=90,
            interval=0.02,
            what="the first worker to send 550 messages",
            stack=stack,
        )

        # when: the worker is killed outright mid-batch, and a new one started
        first_worker.kill()
        killed_at = time.monotonic()
        killed_at_db = timezone.now()
        sent_before_kill = sum(sends_by_notification(mail_dir).values())
        held_by_dead_worker = set(
            Notification.objects.filter(status="sending").values_list("pk", flat=True)
        )
        stack.start_worker()
        wait_until(
            lambda: Notification.objects.filter(status="sent").count() == total,
            timeout=90,
            interval=0.2,
            what="every message to be sent after the kill",
            stack=stack,
        )
        recovered_seconds = time.monotonic() - killed_at

    # then: every message sent, and recorded sent
    sends = sends_by_notification(mail_dir)
    assert set(sends) == set(ids)
    assert _status_counts() == {"sent": total}
    # The kill happened mid-batch: rows were claimed by the dead worker and not reported.
    assert 0 < sent_before_kill < total
    assert held_by_dead_worker
    # At most the one message in flight (accepted by the provider, not yet recorded as sent)
    # can be sent twice; each message is recorded as soon as it is accepted.
    duplicates = {pk: count for pk, count in sends.items() if count > 1}
    assert sum(count - 1 for count in duplicates.values()) <= 1
    assert set(duplicates) <= held_by_dead_worker
    # The dead worker's rows waited for their lease, not more than a batch longer.
    last_of_dead = Notification.objects.filter(pk__in=held_by_dead_worker).aggregate(
        last=Max("sent_at")
    )["last"]
    waited_seconds = (last_of_dead - killed_at_db).total_seconds()
    assert waited_seconds <= LEASE_SECONDS + 20

    write_results(
        "outbox_worker_killed",
        [
            f"kill -9 of the Celery worker mid-batch: {total} e-mails, lease {LEASE_SECONDS} s",
            f"sent before the kill: {sent_before_kill}",
            f"claimed by the dead worker, not reported: {len(held_by_dead_worker)}",
            f"messages sent once: {sum(1 for count in sends.values() if count == 1)}",
            f"duplicates: {sum(count - 1 for count in duplicates.values())}",
            f"lost: {total - len(sends)}",
            f"seconds until the dead worker's messages were sent: {waited_seconds:.1f}",
            f"seconds to recover (kill to every message sent): {recovered_seconds:.1f}",
        ],
    )


def test_poison_message_fails_alone_and_the_rest_of_its_batch_is_sent(tmp_path):
    # given: a batch of 50 e-mails, one of which cannot be rendered (its context is not an
    # object, as a bulk insert could write it)
    ids = _queue(50, prefix="poison")
    poison_id = ids[25]
    Notification.objects.filter(pk=poison_id).update(context=["not", "an", "object"])
    mail_dir = tmp_path / "mail"
    started = time.monotonic()

    # when
    with worker_stack(
        database_url=committed_database_url(connection.settings_dict["NAME"]),
        mail_dir=mail_dir,
        folder=tmp_path,
        lease_seconds=LEASE_SECONDS,
    ) as stack:
        wait_until(
            lambda: not Notification.objects.filter(status__in=["pending", "sending"]).exists(),
            timeout=60,
            interval=0.2,
            what="the batch to be handled",
            stack=stack,
        )
    seconds = time.monotonic() - started

    # then: the others sent once each, the poison one failed at its first attempt, with why
    sends = sends_by_notification(mail_dir)
    assert set(sends) == set(ids) - {poison_id}
    assert set(sends.values()) == {1}
    assert _status_counts() == {"sent": 49, "failed": 1}
    poison = Notification.objects.get(pk=poison_id)
    assert (poison.status, poison.attempts, poison.last_error) == ("failed", 1, "TypeError")
    assert poison.claimed_until is None

    write_results(
        "outbox_poison_message",
        [
            "a poison message in a batch of 50 e-mails, a real worker",
            f"sent once: {len(sends)}",
            f"failed alone: 1 ({poison.last_error}, attempt {poison.attempts})",
            f"seconds until the batch was handled (worker start included): {seconds:.1f}",
        ],
    )
