"""Guest links that let the holder of a license without an account renew it.

Issued and read by `cases.links` (hashed, scoped, expiring, revocable). Two kinds:

* the reminder's link (scope `renew`, target the License): opens the renewal of that one
  license and nothing else. It lasts until the last day of that term's grace period, stops
  once that term is renewed (`licensing.services.renewals._renew` revokes it), and once the
  license belongs to an account (the holder signs in instead);
* the renewal's own link (scope `renew`, target the renewal's Case), handed over once the
  renewal starts, so its status page still opens after the renewal has moved the license's
  expiry on. It lasts GUEST_RENEWAL_MAX_AGE.

Links signed before (salts ``licensing.renewal-link`` and ``licensing.renewal-guest``) keep
working under their old rules until they expire (`register`).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse

from cases import links
from cases.links import LinkError, LinkInvalid, LinkScope
from licensing.fees import agency_today
from licensing.models import Application, License
from licensing.terms import grace_ends_on

_SALT = "licensing.renewal-link"
_GUEST_SALT = "licensing.renewal-guest"
GUEST_RENEWAL_MAX_AGE = datetime.timedelta(days=180)
RENEW_PAGE = "licensing:renew_link"
RENEWAL_PAGE = "licensing:renew_guest_details"


def _grace_end(license: License) -> datetime.date:
    return grace_ends_on(expires_on=license.expires_on, grace_days=license.license_type.grace_days)


def renewal_link_token(*, license_id: int, expires_on: datetime.date | str = "") -> str:
    """Issue a reminder's renewal link to the license and return its token ("" if there is
    no such license).

    `expires_on` is the term the reminder is about; the link lasts until that term's grace
    period ends. A license with an account gets one too, which asks to sign in.
    """
    license = License.objects.select_related("license_type").filter(pk=license_id).first()
    if license is None:
        return ""
    days_left = (_grace_end(license) - agency_today()).days + 1
    return links.issue_link(
        license,
        LinkScope.RENEW,
        page=RENEW_PAGE,
        email=license.holder_email,
        ttl=datetime.timedelta(days=max(1, days_left)),
    ).token


def renewal_link_url(*, license_id: int, expires_on: datetime.date | str = "") -> str:
    """The absolute link a reminder carries for a license without an account (issued now);
    the holder's licenses page if the license has an account by now."""
    if not License.objects.filter(pk=license_id, holder__isnull=True).exists():
        return f"{settings.SITE_URL}{reverse('licensing:mine')}"
    token = renewal_link_token(license_id=license_id, expires_on=expires_on)
    return f"{settings.SITE_URL}{reverse(RENEW_PAGE, kwargs={'token': token})}"


def license_from_renewal_link(token: str) -> License:
    """The license `token` lets its bearer renew now.

    Raises cases.links.LinkError: LinkInvalid if the link is altered, for another term, or
    past the term's grace period (nothing to renew by link any more); LinkExpired or
    LinkRevoked otherwise (a fresh link can be sent).
    """
    license = links.resolve_link(token, LinkScope.RENEW, model=License).target
    if agency_today() > _grace_end(license):
        raise LinkInvalid
    return license


def renewal_guest_token(*, application) -> str:
    """Issue the renewal's own link (to its case) and return its token."""
    return links.issue_link(
        application.case,
        LinkScope.RENEW,
        page=RENEWAL_PAGE,
        email=application.email,
        ttl=GUEST_RENEWAL_MAX_AGE,
    ).token


def renewal_from_guest_token(token: str) -> Application:
    """The renewal (of a license without an account) `token` opens.

    Raises cases.links.LinkError (LinkInvalid if the link opens a case that is not such a
    renewal).
    """
    from cases.models import Case

    case = links.resolve_link(token, LinkScope.RENEW, model=Case).target
    application = (
        Application.objects.select_related("case", "license_type", "renews", "invoice")
        .filter(case=case, kind=Application.Kind.RENEWAL, applicant__isnull=True)
        .first()
    )
    if application is None:
        raise LinkInvalid
    return application


# --- links signed before cases.links ----------------------------------------------------------


def _read_license(payload) -> License | None:
    """The license an old reminder link names, if it is still for the license's term."""
    if not isinstance(payload, dict) or not isinstance(payload.get("l"), int):
        return None
    license = License.objects.select_related("license_type").filter(pk=payload["l"]).first()
    if license is None or license.expires_on.isoformat() != payload.get("x"):
        return None
    return license


def _license_max_age(license: License) -> datetime.timedelta:
    license_type = license.license_type
    return datetime.timedelta(days=license_type.renewal_window_days + license_type.grace_days)


def _read_renewal_case(payload):
    from cases.models import Case

    if not isinstance(payload, str):
        return None
    return Case.objects.filter(
        reference=payload,
        license_application__kind=Application.Kind.RENEWAL,
        license_application__applicant__isnull=True,
    ).first()


def register() -> None:
    """Declare how license links behave (called once, from LicensingConfig.ready)."""
    from cases.models import Case

    links.register_target(
        License,
        is_claimed=lambda license: license.holder_id is not None,
        contact=lambda license: (license.holder_email, ""),
    )
    links.register_legacy_format(
        links.LegacyFormat(
            salt=_SALT,
            model=License,
            scope=LinkScope.RENEW,
            page=RENEW_PAGE,
            read=_read_license,
            max_age=_license_max_age,
        )
    )
    links.register_legacy_format(
        links.LegacyFormat(
            salt=_GUEST_SALT,
            model=Case,
            scope=LinkScope.RENEW,
            page=RENEWAL_PAGE,
            read=_read_renewal_case,
            max_age=lambda case: GUEST_RENEWAL_MAX_AGE,
        )
    )


__all__ = [
    "LinkError",
    "license_from_renewal_link",
    "renewal_from_guest_token",
    "renewal_guest_token",
    "renewal_link_token",
    "renewal_link_url",
]
