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
    # given: a session cached before the outage, deleted (signed out) during it, and another
    # portal's key in the same Redis
    cache = _cache(redis_server, outage_pause_seconds=0.1)
    neighbor = RedisCache(redis_server.url, {"KEY_PREFIX": "other-portal"})
    cache.set("session", {"user": 1}, 600)
    cache.set("untouched", "kept until the outage", 600)
    neighbor.set("theirs", "kept", 600)
    redis_server.pause()
    try:
        cache.delete("session")  # times out: Redis may still hold the old session
    finally:
        redis_server.resume()
    time.sleep(0.15)

    # when / then: the first read after the outage sees none of this cache's keys from
    # before it (it cannot know which were changed meanwhile), and the other portal's stay
    assert cache.get("session") is None
    assert cache.get("untouched") is None
    assert neighbor.get("theirs") == "kept"


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


def _in_another_process(server, **options):
    """A cache as another web process has it: the same server, its own knowledge of it."""
    import portal.cache

    saved = dict(portal.cache._outages)
    portal.cache._outages.clear()
    try:
        return _cache(server, **options)
    finally:
        portal.cache._outages.clear()
        portal.cache._outages.update(saved)


def test_a_key_one_process_changed_during_the_outage_is_gone_for_every_process(redis_server):
    # given: a session cached before the outage; one process signs it out during the outage
    # (skipping Redis after its first timeout, so the delete is never sent), and another
    # process also meets the outage
    web1 = _cache(redis_server, outage_pause_seconds=0.3)
    web2 = _in_another_process(redis_server, outage_pause_seconds=0.3)
    web1.set("session", {"user": 1}, 600)
    redis_server.pause()
    try:
        web1.get("anything")
        web1.delete("session")
        web2.get("anything")
    finally:
        redis_server.resume()
    time.sleep(0.35)

    # when: the process that did not sign it out reads it first after the outage
    seen = web2.get("session")

    # then: Redis's copy from before the outage is not served
    assert seen is None


def test_an_authenticator_code_is_never_accepted_twice_while_redis_is_down(
    redis_server, settings, db
):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from tests.accounts.factories import StaffFactory
    from tests.accounts.totp import current_totp_code

    # given: a staff member's authenticator, and the cache down
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            **settings.CACHES["default"],
            "LOCATION": redis_server.url,
            "OPTIONS": {**settings.CACHES["default"]["OPTIONS"], "outage_pause_seconds": 5},
        },
    }
    secret = generate_totp_secret()
    totp = TOTP.activate(StaffFactory(), secret)
    code = current_totp_code(secret)
    redis_server.kill()

    # when
    first, second = totp.validate_code(code), totp.validate_code(code)

    # then: the code cannot be marked used, so it is not accepted at all (a recovery code
    # still signs staff in): never twice
    assert (first, second) == (False, False)
