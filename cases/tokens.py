"""The case engine's guest links: a guest (no account) follows their case by a link.

Links are issued and read by `cases.links` (hashed, scoped, expiring, revocable). Holding a
view link lets one read the case's plain-language status and public timeline, nothing else:
no documents, no messages, no changes. A resident with an account signs in instead: once a
case has an account behind it, every guest link to it refuses to open and asks to sign in.

A service whose cases have a guest page of their own (a concern report's page, with "not
fixed" and rating) names it with `register_case_guest_page`, so its links, and fresh links
sent for expired ones, open there.

Links signed before (`signing.dumps(reference, salt="cases.guest-link")`, 365 days) keep
working until they expire (`register`).

A participant added by address in a role that needs confirmation (cases/participants.py) is
sent a link that confirms it: the participant's id signed with SECRET_KEY and a timestamp,
valid for `cases.participants.CONFIRM_MAX_AGE`. Holding it proves only that one received the
message, which is all it is for; it opens nothing of the case. A service with a confirmation
page of its own (a concern report's followers) sends the same token to its page.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

from cases import links
from cases.links import LinkScope

GUEST_LINK_MAX_AGE = timedelta(days=365)  # of links signed before cases.links
_SALT = "cases.guest-link"
_DEFAULT_PAGE = "cases:guest"
_PAGES: dict[str, str] = {}


def register_case_guest_page(*, kind: str, page: str) -> None:
    """Make guest links to cases of `kind` open `page` (a URL name taking ``token``)."""
    _PAGES[kind] = page


def guest_page(case) -> str:
    return _PAGES.get(case.kind, _DEFAULT_PAGE)


def case_guest_link(*, case, scope: str = LinkScope.VIEW, ttl=None) -> links.IssuedLink:
    """Issue a link to `case` for its guest, sent to the guest's e-mail address or phone."""
    return links.issue_link(
        case,
        scope,
        page=guest_page(case),
        email=case.guest_email,
        phone=str(case.guest_phone) if case.guest_phone else "",
        ttl=ttl,
    )


def guest_token(*, case) -> str:
    """A fresh view link's token for `case` (for a guest's page after they acted on it)."""
    return case_guest_link(case=case).token


def case_url(*, case) -> str:
    """The absolute link its resident follows the case by: the case page, or a guest link."""
    from django.conf import settings

    if case.applicant_id is not None:
        return f"{settings.SITE_URL}{case.get_absolute_url()}"
    return case_guest_link(case=case).url


def case_for_link(*, token: str, scope: str = LinkScope.VIEW):
    """The case `token` opens for `scope`; raises cases.links.LinkError (see resolve_link)."""
    from cases.models import Case

    return links.resolve_link(token, scope, model=Case).target


_PARTICIPANT_CONFIRM_SALT = "cases.participant-confirm"
# Concern reports signed their followers' links with a salt of their own before they used
# this one (a follower is a participant, so the id they carry is the same). Links are valid
# for CONFIRM_MAX_AGE (7 days): this salt, and the test cases that sign with it, can go once
# the release carrying this change (merged 2026-12-06) has been live for 7 days.
_FOLLOW_CONFIRM_SALT_BEFORE = "concerns.follow-confirm"


def participant_confirm_token(participant) -> str:
    """The token of the link that confirms a pending participant's address."""
    return signing.dumps(participant.pk, salt=_PARTICIPANT_CONFIRM_SALT)


def participant_id_from_confirm_token(token: str) -> int:
    """The participant id in `token`; raise signing.BadSignature if forged or expired
    (signing.SignatureExpired, a subclass, for a genuine link past CONFIRM_MAX_AGE)."""
    from cases.participants import CONFIRM_MAX_AGE

    try:
        value = signing.loads(token, salt=_PARTICIPANT_CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        value = signing.loads(token, salt=_FOLLOW_CONFIRM_SALT_BEFORE, max_age=CONFIRM_MAX_AGE)
    if not isinstance(value, int):
        raise signing.BadSignature("Not a participant id.")
    return value


def _read_reference(payload):
    from cases.models import Case

    if not isinstance(payload, str):
        return None
    return Case.objects.filter(reference=payload).first()


def register() -> None:
    """Declare how case links behave (called once, from CasesConfig.ready)."""
    from cases.models import Case

    links.register_target(
        Case,
        is_claimed=lambda case: case.applicant_id is not None,
        contact=lambda case: (
            case.guest_email,
            str(case.guest_phone) if case.guest_phone else "",
        ),
    )
    links.register_legacy_format(
        links.LegacyFormat(
            salt=_SALT,
            model=Case,
            scope=LinkScope.VIEW,
            page=guest_page,
            read=_read_reference,
            max_age=lambda case: GUEST_LINK_MAX_AGE,
        )
    )
