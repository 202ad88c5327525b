"""Fixed-window rate limits counted in the shared cache (Redis), and the client's address.

Every web worker sees the same counts. The client's address is the one django-allauth's rate
limits use, so one setting (TRUSTED_PROXY_COUNT or TRUSTED_CLIENT_IP_HEADER, see settings)
makes every limit count the visitor rather than the load balancer in front of the portal; an
IPv6 address counts by its /64 network.
"""

from __future__ import annotations

import ipaddress

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

# An IPv6 subscriber is given a whole /64 network (often more): each of its addresses is
# theirs to use, so counting each one apart would let a script pick a new one per request.
IPV6_PREFIX = 64


def client_address(request: HttpRequest) -> str:
    """Who the limits count: the visitor's IPv4 address, or their IPv6 /64 network."""
    try:
        address = get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:  # ::ffff:a.b.c.d is an IPv4 visitor
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`; False once it has had more than `limit` in this window.

    A limit of 0 or less means no limit (nothing is counted).
    """
    if limit <= 0:
        return True
    key = f"ratelimit:{key}"
    if cache.add(key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        return True
    return count <= limit
