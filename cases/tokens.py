"""Signed links that let a guest (no account) follow their case.

A guest receives, by e-mail or text message, a link carrying their case reference signed with
the site's SECRET_KEY and a timestamp. Anyone holding the link can read the case's
plain-language status and public timeline, nothing else: no documents, no messages, no
changes. Links expire after GUEST_LINK_MAX_AGE; a resident with an account signs in instead.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

GUEST_LINK_MAX_AGE = timedelta(days=365)
_SALT = "cases.guest-link"


def guest_token(*, case) -> str:
    return signing.dumps(case.reference, salt=_SALT)


def reference_from_guest_token(token: str) -> str:
    """Return the case reference in `token`; raise signing.BadSignature if forged or expired."""
    return signing.loads(token, salt=_SALT, max_age=GUEST_LINK_MAX_AGE)


def case_url(*, case) -> str:
    """The absolute link its resident follows the case by: the case page, or a guest link."""
    if case.applicant_id is not None:
        path = case.get_absolute_url()
    else:
        path = reverse("cases:guest", kwargs={"token": guest_token(case=case)})
    return f"{settings.SITE_URL}{path}"
