"""The portal's cache backends: Django's, each without a cost it pays on every call, and the
Redis one without making Redis a single point of failure.

RedisCache: Django's RedisCacheClient builds a new `redis.Redis` for every cache call, and
each one copies redis-py's table of about 170 response callbacks, which costs more than the
GET it wraps. A client holds no connection of its own (its pool does) and is safe to share
between threads, so one per pool is enough.

Everything the portal keeps in Redis can be lost: sessions are read from the database when
the cache misses, and a rate limit that cannot count lets the request through. So a Redis
that stops answering must cost a page at most one short timeout, never an error: see
RedisCache's docstring.

LocMemCache: see its docstring. Everything else is Django's backends unchanged.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends import locmem
from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

# What an unreachable or silent server raises (a refused or reset connection, a timeout);
# anything else (a wrong type, a bug) still raises.
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class _Outage:
    """What one process knows of one Redis server being down, shared by its threads.

    `skip_until` is when to try the server again; `since` is set while it is down.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.since: float | None = None
        self.skip_until = 0.0


_outages: dict[tuple[str, ...], _Outage] = {}
_outages_lock = threading.Lock()


def _outage_of(servers) -> _Outage:
    key = tuple(servers)
    with _outages_lock:
        return _outages.setdefault(key, _Outage())


class RedisCache(django_redis.RedisCache):
    """Django's Redis cache that fails soft and fast while Redis is down.

    - Each call waits at most `socket_connect_timeout` / `socket_timeout` (0.2 s unless the
      OPTIONS say otherwise) and is never retried.
    - A call that meets an outage (connection refused or reset, timeout) returns what a
      cache without the key would: reads miss, writes are dropped, `add` succeeds (so a lock
      built on it, like allauth's rate-limit lock, does not wait for a server that is not
      there), `incr` counts from scratch (rate limits let the request through).
    - After a failure the server is skipped for `outage_pause_seconds` (2 s by default,
      an OPTIONS entry), then one call tries it again: a down Redis costs each process one
      timeout every few seconds, not one per call.
    - The outage is logged once when it starts and once when it ends, per process.
    - When Redis answers again, a process that met the outage deletes every key of this
      cache's prefix before it uses the cache (`_recover`): writes that did not reach Redis
      (a session signed out, a rate-limit count), made by this process or by any other,
      would otherwise leave Redis's copy from before the outage to be served as current.
      Everything here can be lost (sessions are in the database), so nothing is lost but
      a warm cache. The one gap: a process that met no outage may read a stale key before
      any process that met it has recovered (a busy web process recovers within its pause).
    - `add` of a key that must never succeed twice (`once_only_prefixes`, an OPTIONS entry:
      allauth's marker that an authenticator code was used) fails instead of succeeding
      while Redis is down: such a code is refused during an outage (staff sign in with a
      recovery code, kept in the database) rather than accepted again.
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self._outage_pause_seconds = float(options.pop("outage_pause_seconds", 2.0))
        self._once_only_prefixes = tuple(options.pop("once_only_prefixes", ()))
        options.setdefault("socket_connect_timeout", 0.2)
        options.setdefault("socket_timeout", 0.2)
        # redis-py retries a failed command three times with backoff by default.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = RedisCacheClient
        self._outage = _outage_of(self._servers)

    # --- the outage bookkeeping ----------------------------------------------------------

    def _call(self, operation, *args, fallback):
        """Run `operation(*args)` on the client, or return `fallback` while Redis is down."""
        outage = self._outage
        if outage.since is not None and (
            time.monotonic() < outage.skip_until or not self._recover()
        ):
            return fallback
        try:
            return operation(*args)
        except OUTAGE_ERRORS as error:
            self._went_down(error)
            return fallback

    def _went_down(self, error: Exception) -> None:
        outage = self._outage
        with outage.lock:
            outage.skip_until = time.monotonic() + self._outage_pause_seconds
            if outage.since is not None:
                return
            outage.since = time.monotonic()
        logger.warning(
            "Redis unreachable (%s: %s): the cache is skipped for %.1f s at a time until it "
            "answers; sessions are read from the database and rate limits are not enforced "
            "meanwhile.",
            type(error).__name__,
            error,
            self._outage_pause_seconds,
        )

    def _recover(self) -> bool:
        """Try Redis again after a pause: delete this cache's keys, then carry on."""
        outage = self._outage
        try:
            deleted = self._delete_namespace()
        except OUTAGE_ERRORS as error:
            self._went_down(error)
            return False
        with outage.lock:
            since, outage.since = outage.since, None
        if since is not None:
            logger.info(
                "Redis answers again after %.1f s; %s cached keys from before the outage "
                "were deleted.",
                time.monotonic() - since,
                deleted,
            )
        return True

    def _delete_namespace(self) -> int:
        """Delete every key under this cache's prefix, in batches; return how many."""
        client = self._cache.get_client(write=True)
        deleted = 0
        batch = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                deleted += client.delete(*batch)
                batch = []
        if batch:
            deleted += client.delete(*batch)
        return deleted

    # --- Django's cache API --------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        # While Redis is down `add` cannot know whether the key exists: a lock built on it
        # need not wait for a server that is not there (success), but a key that must never
        # be added twice is refused.
        fallback = not key.split(":", 2)[-1].startswith(self._once_only_prefixes)
        return self._call(self._cache.add, key, value, timeout, fallback=fallback)

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._call(self._cache.get, key, default, fallback=default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        self._call(self._cache.set, key, value, timeout, fallback=None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        return self._call(self._cache.touch, key, timeout, fallback=False)

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._call(self._cache.delete, key, fallback=False)

    def get_many(self, keys, version=None):
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        found = self._call(self._cache.get_many, key_map.keys(), fallback={})
        return {key_map[k]: v for k, v in found.items()}

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._call(self._cache.has_key, key, fallback=False)

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._call(self._cache.incr, key, delta, fallback=delta)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        safe_data = {self.make_and_validate_key(k, version=version): v for k, v in data.items()}
        timeout = self.get_backend_timeout(timeout)
        failed = list(data)
        result = self._call(self._cache.set_many, safe_data, timeout, fallback=failed)
        return failed if result is failed else []

    def delete_many(self, keys, version=None):
        if not keys:
            return
        safe_keys = [self.make_and_validate_key(key, version=version) for key in keys]
        self._call(self._cache.delete_many, safe_keys, fallback=None)

    def clear(self):
        return self._call(self._cache.clear, fallback=False)


class LocMemCache(locmem.LocMemCache):
    """Django's in-process cache, without the check that each key would suit memcached.

    BaseCache.validate_key scans every character of every key for memcached's limits (250
    characters, no spaces or control characters), which costs more than the lookup itself. The
    keys of this cache are made by the {% cache %} tag (an MD5 digest) and never reach
    memcached.
    """

    def validate_key(self, key):
        pass
