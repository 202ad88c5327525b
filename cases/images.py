"""Uploaded images, decoded with a pixel limit and re-encoded from their pixels alone.

Used by case documents (`cases.documents`) and concern photos (`concerns.photos`), so both
refuse the same "image bombs" and keep the same nothing of what a camera writes into a file:
the stored copy is a fresh encode of the pixels (turned upright first), with no EXIF block (GPS
position, camera, owner's name), no XMP, no text chunks and no colour profile. HEIC, the
iPhone's format, is decoded through pillow-heif.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

# An image with more pixels than this is refused from its header, before its pixels are
# decoded: a few kilobytes on disk can claim 30000 x 30000 pixels (3.6 GB once decoded).
# 40 million is more than any phone camera or A3 scan at 300 dpi (about 17 million).
MAX_PIXELS = 40_000_000

# Pillow's names of the formats we decode; MPO is a JPEG with a second frame (some cameras).
JPEG_FORMATS = frozenset({"JPEG", "MPO"})

# Errors Pillow (and its plug-ins) raise for a file that is not the image it claims to be.
_DECODE_ERRORS = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    RuntimeError,  # pillow-heif, for a damaged HEIC file
)


class ImageRefused(Exception):
    """The upload is not an image we accept; `code` says why.

    "format": not an image, or not one of the accepted formats; "too_many_pixels": wider
    times higher than MAX_PIXELS; "unreadable": the header was fine, the pixels are not.
    Callers turn it into a message for their own form.
    """

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class DecodedImage:
    image: Image.Image  # decoded and upright
    format: str  # Pillow's name of the uploaded format: "JPEG", "PNG", "WEBP", "HEIF"...
    exif: Image.Exif  # the uploaded file's EXIF block, for a caller that reads one value


def image_decode(upload, *, formats: frozenset[str]) -> DecodedImage:
    """Decode `upload` (any Django File) if it is an image in one of `formats`.

    The header is read first: an image of more than MAX_PIXELS is refused before a single
    pixel is decoded. Raises ImageRefused. Leaves the file positioned at its start.
    """
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                image = Image.open(upload)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                # Pillow's own, higher, limit, checked on opening.
                raise ImageRefused("too_many_pixels") from None
            except _DECODE_ERRORS:
                raise ImageRefused("format") from None
            if image.format not in formats:
                raise ImageRefused("format")
            if image.width * image.height > MAX_PIXELS:
                raise ImageRefused("too_many_pixels")
            image_format = image.format
            try:
                exif = image.getexif()
            except _DECODE_ERRORS:  # A corrupt EXIF block is just "no metadata".
                exif = Image.Exif()
            try:
                image.load()
                image = ImageOps.exif_transpose(image)
            except _DECODE_ERRORS:
                raise ImageRefused("unreadable") from None
    finally:
        upload.seek(0)
    return DecodedImage(image=image, format=image_format, exif=exif)


def image_encode(image: Image.Image, *, image_format: str) -> bytes:
    """Encode `image`'s pixels alone as "JPEG", "PNG" or "WEBP": no metadata is written.

    Pillow copies some of `image.info` (the colour profile, PNG text, EXIF left by
    exif_transpose) into what it saves, so only a palette's transparency is kept from it.
    """
    image.info = {key: value for key, value in image.info.items() if key == "transparency"}
    options: dict = {}
    if image_format == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = _flatten(image)
        options = {"quality": 85, "optimize": True}
    elif image_format == "PNG":
        options = {"optimize": True}
    elif image_format == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        options = {"quality": 85}
    else:
        raise ValueError(f"Cannot encode images as {image_format}.")
    output = io.BytesIO()
    image.save(output, format=image_format, **options)
    return output.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """The image on a white background, in RGB: JPEG has no alpha channel."""
    background = Image.new("RGB", image.size, (255, 255, 255))
    converted = image.convert("RGBA")
    background.paste(converted, mask=converted.getchannel("A"))
    return background
