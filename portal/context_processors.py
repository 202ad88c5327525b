import hashlib

from django.conf import settings
from django.urls import get_script_prefix
from django.utils.translation import get_language

from portal.theme import current_theme

# The views whose header link is marked as the current page; on any other page the header
# is the same, so it is cached once rather than once per view.
_NAV_PAGES = frozenset(
    {"portal:home", "portal:service_search", "portal:dashboard", "account_login", "account_signup"}
)
_agency_fingerprints: dict[tuple, str] = {}


def _agency_fingerprint() -> str:
    """A short digest of settings.AGENCY: a cached fragment showing the agency's details is
    looked up under it, so changed settings never show a stale copy."""
    items = tuple(sorted(settings.AGENCY.items()))
    fingerprint = _agency_fingerprints.get(items)
    if fingerprint is None:
        fingerprint = hashlib.sha256(repr(items).encode()).hexdigest()[:12]
        _agency_fingerprints[items] = fingerprint
    return fingerprint


def _role(request) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "guest"
    return "staff" if user.is_staff else "resident"


def layout_keys(request=None) -> dict[str, str]:
    """The keys of the layout's cached fragments for `request` (None: a page rendered without
    one, like the 500 page, which shows the signed-out header).

    `layout_key` names what a layout fragment may depend on: the agency's settings, the
    language, the URL prefix and the visitor's role (guest, resident, staff). `nav_key` adds
    the page the header marks as current. Anything else (CSRF tokens, nonces, the current
    path, the person's name) stays outside the cached fragments.
    """
    resolver_match = getattr(request, "resolver_match", None)
    view_name = resolver_match.view_name if resolver_match else ""
    layout_key = f"{_agency_fingerprint()}:{get_language()}:{get_script_prefix()}:{_role(request)}"
    return {
        "layout_key": layout_key,
        "nav_key": f"{layout_key}:{view_name if view_name in _NAV_PAGES else ''}",
    }


def agency(request):
    """Expose the agency's branding (settings.AGENCY), its stylesheet's version, and the keys
    of the layout's cached fragments (see layout_keys)."""
    return {
        "agency": settings.AGENCY,
        "theme_version": current_theme().version,
        **layout_keys(request),
    }
