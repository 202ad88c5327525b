"""Queueing a task while the broker (Redis) is down fails fast: the outbox row waits for the
periodic dispatcher instead of holding the request."""

import time

import pytest
from celery import Celery
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from tests.faults.processes import embedded_redis

BROKER_ERRORS = (OperationalError, RedisError, OSError)


@pytest.mark.parametrize("fault", ["pause", "kill"])
def test_publishing_to_a_down_broker_gives_up_within_a_fraction_of_a_second(tmp_path, fault):
    # given: the portal's Celery settings, with a broker of this test's own
    with embedded_redis(tmp_path / "redis") as server:
        app = Celery("broker-outage-test", set_as_current=False)
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.conf.broker_url = server.url
        app.send_task("notifications.dispatch_pending")  # connected while it answers
        getattr(server, fault)()
        try:
            # when
            started = time.monotonic()
            with pytest.raises(BROKER_ERRORS):
                app.send_task("notifications.dispatch_pending")
            seconds = time.monotonic() - started
        finally:
            server.resume() if fault == "pause" else None

    # then
    assert seconds < 0.5
