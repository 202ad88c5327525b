"""Per-address limits on the public lookup and on complaints, so scraping the register or
flooding investigators costs time (counted in the shared cache by `portal.ratelimit`)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from portal.ratelimit import allow, client_address


def lookup_allowed(request: HttpRequest) -> bool:
    """Count this request; False once the address has made more than the limit this minute."""
    return allow(
        f"licensing:lookup:{client_address(request)}",
        limit=settings.LICENSING_LOOKUP_PER_MINUTE,
        window_seconds=60,
    )


def complaint_allowed(request: HttpRequest) -> bool:
    """Count a complaint sent from this address; False once over the limit this hour.

    Each complaint opens a case an investigator must read, so a guest cannot flood the queue.
    """
    return allow(
        f"licensing:complaint:{client_address(request)}",
        limit=settings.LICENSING_COMPLAINTS_PER_HOUR,
        window_seconds=60 * 60,
    )
