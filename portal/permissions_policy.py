"""The Permissions-Policy header: the browser features no page of the portal may use.

Every response denies them all (``feature=()``), so a script that slipped in, or a page
framed elsewhere, cannot turn on the camera or ask for the position. A view that really uses
one says so with `permissions_allowed`, which opens that feature to this site only
(``feature=(self)``): today only the concern report's place page, whose "Use my location"
button reads the position. The header is set only if the view has not set one itself.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

HEADER = "Permissions-Policy"

# Features a public-service site never needs, plus the advertising cohorts browsers offered.
DENIED_FEATURES = (
    "accelerometer",
    "ambient-light-sensor",
    "autoplay",
    "bluetooth",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "interest-cohort",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)


def policy(*, allowed: frozenset[str] = frozenset()) -> str:
    """The header's value: every feature denied except `allowed`, which only this site gets."""
    return ", ".join(
        f"{feature}=(self)" if feature in allowed else f"{feature}=()"
        for feature in DENIED_FEATURES
    )


DEFAULT_POLICY = policy()


def permissions_allowed(*features: str) -> Callable:
    """Decorate a view that uses `features` (e.g. "geolocation") from this site's own pages."""
    unknown = set(features) - set(DENIED_FEATURES)
    if unknown:
        raise ValueError(f"Unknown Permissions-Policy features: {sorted(unknown)}")
    value = policy(allowed=frozenset(features))

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response[HEADER] = value
            return response

        return wrapped

    return decorator


class PermissionsPolicyMiddleware:
    """Add the default policy to every response that has none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = DEFAULT_POLICY
        return response
