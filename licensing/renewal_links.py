"""Signed links that let the holder of a license without an account renew it.

The link carries the license's id and the expiry date it was sent for, signed with
SECRET_KEY under a salt of its own, with the signing time. It opens the renewal of that one
license and nothing else, and stops working:

* once that term is renewed (the license's expiry no longer matches the link),
* once the license is linked to an account (the holder signs in instead),
* after the grace period of that term, and in any case once older than the renewal window
  plus the grace period (the longest a reminder can be ahead of the last day to renew).

An altered link gives `signing.BadSignature`; every refusal is `None` here, so the page can
say plainly that the link no longer works.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from licensing.fees import agency_today
from licensing.models import Application, License
from licensing.terms import grace_ends_on

_SALT = "licensing.renewal-link"


def renewal_link_token(*, license_id: int, expires_on: datetime.date | str) -> str:
    expiry = expires_on if isinstance(expires_on, str) else expires_on.isoformat()
    return signing.dumps({"l": license_id, "x": expiry}, salt=_SALT)


def renewal_link_url(*, license_id: int, expires_on: datetime.date | str) -> str:
    """The absolute link a reminder e-mail carries for a license without an account."""
    token = renewal_link_token(license_id=license_id, expires_on=expires_on)
    return f"{settings.SITE_URL}{reverse('licensing:renew_link', kwargs={'token': token})}"


def license_from_renewal_link(token: str) -> License | None:
    """The license `token` lets its bearer renew, or None if the link is altered or stale."""
    try:
        payload = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("l"), int):
        return None
    license = (
        License.objects.select_related("license_type")
        .filter(pk=payload["l"], holder__isnull=True)
        .first()
    )
    if license is None or license.expires_on.isoformat() != payload.get("x"):
        return None
    license_type = license.license_type
    max_age = datetime.timedelta(days=license_type.renewal_window_days + license_type.grace_days)
    try:
        signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if agency_today() > grace_ends_on(
        expires_on=license.expires_on, grace_days=license_type.grace_days
    ):
        return None
    return license


# The renewal itself, once started from the reminder's link: a link of its own, so its status
# page still opens after the renewal has moved the license's expiry (and so the first link) on.
_GUEST_SALT = "licensing.renewal-guest"
GUEST_RENEWAL_MAX_AGE = datetime.timedelta(days=180)


def renewal_guest_token(*, application) -> str:
    return signing.dumps(application.case.reference, salt=_GUEST_SALT)


def renewal_from_guest_token(token: str):
    """The renewal (of a license without an account) `token` opens, or None."""
    try:
        reference = signing.loads(token, salt=_GUEST_SALT, max_age=GUEST_RENEWAL_MAX_AGE)
    except signing.BadSignature:
        return None
    return (
        Application.objects.select_related("case", "license_type", "renews", "invoice")
        .filter(
            case__reference=reference,
            kind=Application.Kind.RENEWAL,
            applicant__isnull=True,
        )
        .first()
    )
