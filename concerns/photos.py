"""Photos of a report: judged by content, resized, and re-encoded without any metadata.

The name and the type a browser claims are ignored; the file must decode as a JPEG, PNG or
WebP image of at most `cases.images.MAX_PIXELS` pixels. The stored copy is a new JPEG drawn
from the pixels alone (rotated upright first) by `cases.images`, the same code that cleans
case documents, so the camera's EXIF block, GPS position included, never reaches storage or
the public. The position is read before that, and used only if the reporter agreed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

from cases.images import JPEG_FORMATS, ImageRefused, image_decode, image_encode

ACCEPTED_FORMATS = frozenset({"PNG", "WEBP", *JPEG_FORMATS})
_GPS_IFD = 0x8825


class PhotoRejected(ValidationError):
    """The upload is not a photo we accept (too large, empty, not an image)."""


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes
    width: int
    height: int
    gps: tuple[Decimal, Decimal] | None


def _degrees(values, reference: str) -> Decimal | None:
    try:
        degrees, minutes, seconds = (Decimal(str(float(part))) for part in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if reference in ("S", "W"):
        value = -value
    return value.quantize(Decimal("0.000001"))


def read_gps(exif: Image.Exif) -> tuple[Decimal, Decimal] | None:
    """The (latitude, longitude) in an EXIF block's GPS part, if it has a usable one."""
    try:
        gps = exif.get_ifd(_GPS_IFD)
    except Exception:  # A corrupt EXIF block is just "no position".
        return None
    if not gps or 2 not in gps or 4 not in gps:
        return None
    latitude = _degrees(gps[2], str(gps.get(1, "N")))
    longitude = _degrees(gps[4], str(gps.get(3, "E")))
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def process_photo(upload) -> ProcessedPhoto:
    """Check `upload` (any Django File) and return it resized, upright and metadata-free.

    Raises PhotoRejected for an empty or too large file, one that is not a JPEG, PNG or
    WebP image, or an image with too many pixels.
    """
    size = upload.size
    limit = settings.CONCERNS_PHOTO_MAX_BYTES
    if not size:
        raise PhotoRejected(_("The selected photo is empty."), code="empty")
    if size > limit:
        raise PhotoRejected(
            _("Each photo must be smaller than %(limit)s.") % {"limit": filesizeformat(limit)},
            code="too_large",
        )
    not_a_photo = PhotoRejected(
        _("%(name)s is not a photo we can use: choose a JPG, PNG or WebP image.")
        % {"name": (getattr(upload, "name", "") or _("The file")).rsplit("/", 1)[-1][:80]},
        code="file_type",
    )
    try:
        decoded = image_decode(upload, formats=ACCEPTED_FORMATS)
    except ImageRefused:
        raise not_a_photo from None
    image = decoded.image
    side = settings.CONCERNS_PHOTO_MAX_SIDE
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        content=image_encode(image, image_format="JPEG"),
        width=image.width,
        height=image.height,
        gps=read_gps(decoded.exif),
    )
