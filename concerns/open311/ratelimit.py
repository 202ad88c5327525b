"""A per-key limit on Open311 POSTs: a fixed one-minute window counted in the shared cache
(Redis), so every web worker sees the same count."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from concerns.models import Open311ApiKey


def over_limit(api_key: Open311ApiKey) -> int:
    """Count one request for `api_key`; return 0 if allowed, else seconds until the next
    window opens (the Retry-After value)."""
    limit = api_key.requests_per_minute or settings.OPEN311_RATE_LIMIT_PER_MINUTE
    now = time.time()
    window = int(now // 60)
    key = f"open311:rate:{api_key.pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count <= limit:
        return 0
    return max(1, int(60 - now % 60))
