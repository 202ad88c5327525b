"""Signed links to a license's public verification page, printed as a QR code on its
certificate.

The token carries the license number only, signed with the site's SECRET_KEY under its own
salt, so a link cannot be forged or bent to another license, and holds no personal data. It
does not expire: a certificate stays on a wall for the whole term, and the page always shows
the license's status as it is today, so an old certificate of a revoked license says so.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "licensing.verify"


def verify_token(*, license) -> str:
    """The same token for a license every time (no timestamp): a reprinted certificate has
    the same QR code."""
    return signing.Signer(salt=_SALT).sign_object(license.number)


def number_from_verify_token(token: str) -> str:
    """Return the license number in `token`; raise signing.BadSignature if it was altered."""
    number = signing.Signer(salt=_SALT).unsign_object(token)
    if not isinstance(number, str):
        raise signing.BadSignature("Not a license number.")
    return number


def verify_url(*, license) -> str:
    """The absolute address of the license's public verification page."""
    path = reverse("licensing:verify", kwargs={"token": verify_token(license=license)})
    return f"{settings.SITE_URL}{path}"
