"""Signed links of concern reports that are not the case engine's guest links.

A follow by e-mail address or phone number is only a request until the owner of that
address opens the link we send there: the link carries the follower's id (its
`cases.participants.Participant` id; followers moved there with their ids, so links sent
before still name them), signed with the
site's SECRET_KEY and a timestamp, and expires after FOLLOW_CONFIRM_MAX_AGE. Holding it
proves only that one received the message, which is all it is for.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

# A follower is a participant of the report's case; its request lasts as long as any
# participant's (cases.participants.CONFIRM_MAX_AGE, also 7 days).
FOLLOW_CONFIRM_MAX_AGE = timedelta(days=7)
_FOLLOW_SALT = "concerns.follow-confirm"


def follow_confirm_token(follower) -> str:
    return signing.dumps(follower.pk, salt=_FOLLOW_SALT)


def follower_id_from_confirm_token(token: str) -> int:
    """Return the follower id in `token`; raise signing.BadSignature if forged or expired."""
    value = signing.loads(token, salt=_FOLLOW_SALT, max_age=FOLLOW_CONFIRM_MAX_AGE)
    if not isinstance(value, int):
        raise signing.BadSignature("Not a follower id.")
    return value


# A photo held for a report form that came back with errors. Shorter than the daily sweep's
# grace (cases.tasks.SWEEP_GRACE), so a link that still works never names a swept file.
HELD_PHOTO_MAX_AGE = timedelta(hours=12)
_HELD_PHOTO_SALT = "concerns.held-photo"


def held_photo_token(payload: dict) -> str:
    return signing.dumps(payload, salt=_HELD_PHOTO_SALT, compress=True)


def held_photo_payload(token: str) -> dict:
    """Return what `held_photo_token` signed; raise signing.BadSignature if forged or expired."""
    value = signing.loads(token, salt=_HELD_PHOTO_SALT, max_age=HELD_PHOTO_MAX_AGE)
    if not isinstance(value, dict):
        raise signing.BadSignature("Not a held photo.")
    return value
