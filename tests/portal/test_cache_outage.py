"""The Redis cache against a real redis-server that stops answering (SIGSTOP) or dies.

Each test starts its own server, so the portal's Redis is never touched.
"""

import logging
import time

import pytest
from django.conf import settings
from redis.exceptions import ResponseError

from portal.cache import RedisCache
from tests.faults.processes import embedded_redis

TIMEOUT = 0.2


@pytest.fixture
def redis_server(tmp_path):
    with embedded_redis(tmp_path / "redis") as server:
        yield server


def _cache(server, **options):
    return RedisCache(server.url, {"KEY_PREFIX": "outage-test", "OPTIONS": options})


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


@pytest.mark.parametrize("fault", ["pause", "kill"])
def test_every_call_fails_soft_and_fast_while_redis_is_down(redis_server, fault):
    # given
    cache = _cache(redis_server)
    cache.set("present", "value", 60)
    getattr(redis_server, fault)()

    try:
        # when / then: the first call pays at most the socket timeout...
        value, seconds = _timed(lambda: cache.get("present", "fallback"))
        assert value == "fallback"
        assert seconds < TIMEOUT + 0.15
        # ...and the next ones skip Redis altogether
        results, seconds = _timed(
            lambda: [
                cache.get("present"),
                cache.get_many(["present", "other"]),
                cache.set("present", "new", 60),
                cache.set_many({"a": 1}, 60),
                cache.add("lock", True, 10),
                cache.incr("counter"),
                cache.delete("present"),
                cache.delete_many(["a", "b"]),
                cache.touch("present", 60),
                cache.has_key("present"),
                cache.get_or_set("computed", lambda: "fresh", 60),
            ]
        )
        assert seconds < 0.05
        # add succeeds (a lock built on it does not wait for a server that is not there);
        # a counter counts from scratch; a read misses
        assert results == [None, {}, None, ["a"], True, 1, False, None, False, False, "fresh"]
    finally:
        redis_server.resume() if fault == "pause" else redis_server.start()


def test_the_outage_is_logged_once_and_the_recovery_once(redis_server, caplog):
    # given
    cache = _cache(redis_server, outage_pause_seconds=0.1)
    redis_server.kill()

    # when: calls keep failing across several pauses
    with caplog.at_level(logging.INFO, logger="portal.cache"):
        for _ in range(5):
            cache.get("k")
            time.sleep(0.12)
        redis_server.start()
        time.sleep(0.12)
        cache.get("k")
        cache.get("k")

    # then
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages
    assert messages[0].startswith("Redis unreachable")
    assert "rate limits are not enforced" in messages[0]
    assert messages[1].startswith("Redis answers again")


def test_redis_is_tried_again_after_the_pause_and_used_once_it_answers(redis_server):
    # given
    cache = _cache(redis_server, outage_pause_seconds=0.3)
    redis_server.kill()
    cache.get("k")
    redis_server.start()

    # when: within the pause Redis is still skipped; after it, used again
    cache.set("k", "during-pause", 60)
    skipped = cache.get("k")
    time.sleep(0.35)
    cache.set("k", "after", 60)

    # then
    assert skipped is None
    assert cache.get("k") == "after"


def test_keys_written_during_the_outage_are_dropped_when_redis_returns(redis_server):
    # given: a session cached before the outage, deleted (signed out) during it
    cache = _cache(redis_server, outage_pause_seconds=0.1)
    cache.set("session", {"user": 1}, 600)
    cache.set("untouched", "kept", 600)
    redis_server.pause()
    try:
        cache.delete("session")  # times out: Redis still holds the old session
    finally:
        redis_server.resume()
    time.sleep(0.15)

    # when / then: the first read after the outage does not see the stale copy
    assert cache.get("session") is None
    assert cache.get("untouched") == "kept"


def test_errors_that_are_not_an_outage_still_raise(redis_server):
    cache = _cache(redis_server)
    cache.set("text", "not a number", 60)

    with pytest.raises(ResponseError):
        cache.incr("text")
    with pytest.raises(ValueError):
        cache.incr("missing")


def test_the_portal_cache_uses_short_timeouts_and_no_retries():
    from django.core.cache import cache

    client = cache._cache.get_client()
    connection_kwargs = client.connection_pool.connection_kwargs

    assert connection_kwargs["socket_timeout"] <= TIMEOUT
    assert connection_kwargs["socket_connect_timeout"] <= TIMEOUT
    assert connection_kwargs["retry"]._retries == 0
    assert settings.CACHES["default"]["BACKEND"] == "portal.cache.RedisCache"
