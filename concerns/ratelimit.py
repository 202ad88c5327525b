"""Per-address limit on reports sent through the web form, like the other public forms
(counted in the shared cache by `portal.ratelimit`).

Each report opens a case that staff must read, and may mail the address typed into it: a
visitor cannot flood the queue or turn the form into a mailer. The Open311 API has its own
per-key limit (concerns.open311.ratelimit).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from concerns.models import MAX_PHOTOS
from portal.ratelimit import allow, client_address


def report_allowed(request: HttpRequest) -> bool:
    """Count a report sent from this address; False once over the limit this hour."""
    return allow(
        f"concerns:report:{client_address(request)}",
        limit=settings.CONCERNS_REPORTS_PER_HOUR,
        window_seconds=60 * 60,
    )


def photo_hold_allowed(request: HttpRequest) -> bool:
    """Count one photo held for a report form sent from this address; False once over the
    limit this hour.

    A form that comes back with errors keeps its photos on disk (concerns.services.
    held_photos) without any report being sent, so the report limit alone would let a
    visitor store files without end. An address may hold as many photos an hour as the
    reports it may send could carry.
    """
    return allow(
        f"concerns:held-photo:{client_address(request)}",
        limit=settings.CONCERNS_REPORTS_PER_HOUR * MAX_PHOTOS,
        window_seconds=60 * 60,
    )
