"""Per-address limit on reports sent through the web form, like the other public forms
(counted in the shared cache by `portal.ratelimit`).

Each report opens a case that staff must read, and may mail the address typed into it: a
visitor cannot flood the queue or turn the form into a mailer. The Open311 API has its own
per-key limit (concerns.open311.ratelimit).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from portal.ratelimit import allow, client_address


def report_allowed(request: HttpRequest) -> bool:
    """Count a report sent from this address; False once over the limit this hour."""
    return allow(
        f"concerns:report:{client_address(request)}",
        limit=settings.CONCERNS_REPORTS_PER_HOUR,
        window_seconds=60 * 60,
    )
