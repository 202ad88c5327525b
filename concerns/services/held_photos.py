"""Photos held for a report form that came back with errors, so nobody chooses them again.

Browsers never keep a file input's choice when a form is shown again. So every photo sent
with the form is checked and re-encoded at once (concerns.photos) and stored under
``concerns/held/``; the page carries a signed token per photo (below), shows it
with its name and a box to untick, and the next send uses it. Nothing ties a held photo to
a row: one nobody sends is deleted by the daily sweep of report photos (concerns.tasks),
which removes files under ``concerns/`` that no photo row names, once a day old.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from concerns.models import ConcernPhoto
from concerns.photos import ProcessedPhoto, process_photo

HELD_FOLDER = "concerns/held"

# Shorter than the daily sweep's grace (cases.tasks.SWEEP_GRACE), so a token that still works
# never names a swept file.
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


@dataclass(frozen=True)
class HeldPhoto:
    name: str  # the storage name
    label: str  # the file name the person chose, to show them
    width: int
    height: int
    gps: tuple[Decimal, Decimal] | None

    @property
    def token(self) -> str:
        return held_photo_token(
            {
                "n": self.name,
                "l": self.label,
                "w": self.width,
                "h": self.height,
                "g": [str(part) for part in self.gps] if self.gps else None,
            }
        )


def _storage():
    return ConcernPhoto._meta.get_field("image").storage


def photo_hold(*, upload, keep_location: bool) -> HeldPhoto:
    """Check and re-encode `upload`, store it as held, and return it.

    The position in the photo is kept only with `keep_location` (the reporter ticked "use
    the location saved in my photo"); otherwise it is dropped with the rest of the metadata.
    Raises concerns.photos.PhotoRejected as process_photo does.
    """
    processed = process_photo(upload)
    name = _storage().save(f"{HELD_FOLDER}/{uuid.uuid4().hex}.jpg", ContentFile(processed.content))
    label = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1][:80]
    return HeldPhoto(
        name=name,
        label=label or _("Photo"),
        width=processed.width,
        height=processed.height,
        gps=processed.gps if keep_location else None,
    )


def held_photo_from_token(token: str) -> HeldPhoto:
    """The held photo a form's token names; ValidationError if forged, expired or gone."""
    gone = ValidationError(
        _("We could not keep a photo you chose earlier: choose it again."), code="held_photo"
    )
    try:
        payload = held_photo_payload(token)
        gps = payload["g"]
        held = HeldPhoto(
            name=str(payload["n"]),
            label=str(payload["l"]),
            width=int(payload["w"]),
            height=int(payload["h"]),
            gps=(Decimal(gps[0]), Decimal(gps[1])) if gps else None,
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, IndexError, ArithmeticError):
        raise gone from None
    if not held.name.startswith(f"{HELD_FOLDER}/") or not _storage().exists(held.name):
        raise gone
    return held


def held_photo_open(held: HeldPhoto):
    return _storage().open(held.name, "rb")


def held_photo_processed(held: HeldPhoto) -> ProcessedPhoto:
    """The held photo as report_submit stores it (it was checked and re-encoded already)."""
    with held_photo_open(held) as file:
        content = file.read()
    return ProcessedPhoto(content=content, width=held.width, height=held.height, gps=held.gps)


def held_photos_release(held: list[HeldPhoto]) -> None:
    """Delete held photos once used (a second send of the same form finds them gone)."""
    storage = _storage()
    for photo in held:
        storage.delete(photo.name)
