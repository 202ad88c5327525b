"""The portal's cache backends: Django's, each without a cost it pays on every call.

RedisCache: Django's RedisCacheClient builds a new `redis.Redis` for every cache call, and
each one copies redis-py's table of about 170 response callbacks, which costs more than the
GET it wraps. A client holds no connection of its own (its pool does) and is safe to share
between threads, so one per pool is enough.

LocMemCache: see its docstring. Everything else is Django's backends unchanged.
"""

from __future__ import annotations

from django.core.cache.backends import locmem
from django.core.cache.backends import redis as django_redis


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


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient


class LocMemCache(locmem.LocMemCache):
    """Django's in-process cache, without the check that each key would suit memcached.

    BaseCache.validate_key scans every character of every key for memcached's limits (250
    characters, no spaces or control characters), which costs more than the lookup itself. The
    keys of this cache are made by the {% cache %} tag (an MD5 digest) and never reach
    memcached.
    """

    def validate_key(self, key):
        pass
