"""A per-address limit on the public lookup, counted in the shared cache (Redis), so every
web worker sees the same count and scraping the register costs time."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def lookup_allowed(request: HttpRequest) -> bool:
    """Count this request; False once the address has made more than the limit this minute."""
    limit = settings.LICENSING_LOOKUP_PER_MINUTE
    if limit <= 0:
        return True
    address = request.META.get("REMOTE_ADDR", "unknown")
    key = f"licensing:lookup:{address}"
    if cache.add(key, 1, timeout=60):
        return True
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=60)
        return True
    return count <= limit


def complaint_allowed(request: HttpRequest) -> bool:
    """Count a complaint sent from this address; False once over the limit this hour.

    Each complaint opens a case an investigator must read, so a guest cannot flood the queue.
    """
    limit = settings.LICENSING_COMPLAINTS_PER_HOUR
    if limit <= 0:
        return True
    key = f"licensing:complaint:{request.META.get('REMOTE_ADDR', 'unknown')}"
    if cache.add(key, 1, timeout=60 * 60):
        return True
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=60 * 60)
        return True
    return count <= limit
