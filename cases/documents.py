"""Checks on uploaded documents: size, type judged by content, and the content itself.

The name a resident gives a file and the type their browser claims are both ignored. The
file's signature bytes (the `filetype` library) say what it claims to be; then it must prove
it:

- an image is decoded by `cases.images` (refused from its header above the pixel limit) and
  what is stored is a fresh encode of its pixels: no EXIF (GPS position, camera), no text
  chunks. PNG stays PNG (lossless: scans and plans stay sharp), JPEG and WebP stay themselves,
  HEIC becomes JPEG, which every browser shows;
- a PDF is parsed in full by pypdf (every page and every object reachable from the catalog)
  and refused if it does not parse, is encrypted (staff could not read it), or carries
  scripts, launch actions, attached files or other active content. It is stored byte for
  byte as given: rewriting it would break the digital signatures that certificates and
  official letters carry.

Accepted types are `CaseDocument.EXTENSIONS`.
"""

import io
import logging
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cases.exceptions import DocumentRejected
from cases.images import JPEG_FORMATS, MAX_PIXELS, ImageRefused, image_decode, image_encode
from cases.models import CaseDocument

logger = logging.getLogger(__name__)

# Pillow's format of each accepted image type, and the format and type it is stored as.
_IMAGE_FORMATS = {
    "image/jpeg": JPEG_FORMATS,
    "image/png": frozenset({"PNG"}),
    "image/webp": frozenset({"WEBP"}),
    "image/heic": frozenset({"HEIF"}),
}
_STORED_AS = {
    "image/jpeg": ("JPEG", "image/jpeg"),
    "image/png": ("PNG", "image/png"),
    "image/webp": ("WEBP", "image/webp"),
    "image/heic": ("JPEG", "image/jpeg"),
}

# Names in a PDF that run something or carry another file. Found anywhere in the object
# graph (as a dictionary key, or as an action's /S type), the PDF is refused.
_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/RichMedia", "/XFA"}
)
_ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute", "/Rendition"}
)
# A parsed PDF with more objects than this is refused rather than walked further.
_MAX_PDF_OBJECTS = 500_000


@dataclass(frozen=True)
class InspectedUpload:
    content_type: str
    size: int
    original_name: str
    content: bytes  # what is stored: the re-encoded image, or the PDF as given


def clean_original_name(name: str) -> str:
    """Keep only the last path part, without control characters, at most 255 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        name = (
            f"{stem[: 254 - len(extension)]}.{extension}"
            if dot and len(extension) < 10
            else name[:255]
        )
    return name or "document"


def inspect_upload(upload) -> InspectedUpload:
    """Return what to store for the upload, its real type and a safe display name.

    `upload` is any Django File (an UploadedFile from a form, a ContentFile in code). Raises
    DocumentRejected (a ValidationError, so a form shows it on the field) with code "empty",
    "too_large", "file_type", "too_many_pixels", "image_unreadable", "pdf_unreadable",
    "pdf_encrypted" or "pdf_active_content".
    """
    size = upload.size
    limit = settings.DOCUMENT_MAX_BYTES
    if not size:
        raise DocumentRejected(_("The selected file is empty."), code="empty")
    if size > limit:
        raise DocumentRejected(
            _("The selected file must be smaller than %(limit)s.")
            % {"limit": filesizeformat(limit)},
            code="too_large",
        )
    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    if kind is None or kind.mime not in CaseDocument.EXTENSIONS:
        raise DocumentRejected(
            _("The selected file must be a PDF, JPG, PNG, HEIC or WebP."), code="file_type"
        )
    if kind.mime == "application/pdf":
        content_type, content = kind.mime, _checked_pdf(upload)
    else:
        content_type, content = _reencoded_image(upload, kind.mime)
    return InspectedUpload(
        content_type=content_type,
        size=len(content),
        original_name=clean_original_name(getattr(upload, "name", "") or ""),
        content=content,
    )


def _reencoded_image(upload, mime: str) -> tuple[str, bytes]:
    try:
        decoded = image_decode(upload, formats=_IMAGE_FORMATS[mime])
    except ImageRefused as refused:
        if refused.code == "too_many_pixels":
            raise DocumentRejected(
                _(
                    "The selected image is too large: it must have fewer than %(count)s "
                    "million pixels (width times height). Save it at a smaller size."
                )
                % {"count": MAX_PIXELS // 1_000_000},
                code="too_many_pixels",
            ) from None
        raise DocumentRejected(
            _("The selected image could not be read. Save it again as a JPG or PNG."),
            code="image_unreadable",
        ) from None
    image_format, content_type = _STORED_AS[mime]
    return content_type, image_encode(decoded.image, image_format=image_format)


def _checked_pdf(upload) -> bytes:
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    unreadable = DocumentRejected(
        _(
            "The selected PDF could not be read. Save or print it again as a PDF, "
            "or upload a scan of it as a JPG or PNG."
        ),
        code="pdf_unreadable",
    )
    # Imported here: pypdf (with the cryptography it decrypts with) is a large import that
    # only an upload needs.
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise DocumentRejected(
                _(
                    "The selected PDF is protected by a password. Upload a copy without "
                    "the password."
                ),
                code="pdf_encrypted",
            )
        if len(reader.pages) == 0:
            raise unreadable
        active = pdf_has_active_content(reader.trailer["/Root"])
    except DocumentRejected:
        raise
    except Exception as error:
        # This is the edge where hostile bytes meet a parser: pypdf raises its own errors
        # and, for some damaged files, KeyError, ValueError, zlib or struct errors. Every
        # one of them means the same to the resident: we could not read the file.
        logger.info("PDF refused as unreadable: %s", type(error).__name__)
        raise unreadable from None
    if active:
        raise DocumentRejected(
            _(
                "The selected PDF contains scripts, attached files or actions, which we do not "
                "accept. Print it to a new PDF and upload that."
            ),
            code="pdf_active_content",
        )
    return content


def pdf_has_active_content(root, *, reader=None, cache_limit_bytes: int | None = None) -> bool:
    """Walk every object reachable from the catalog `root`; True if one runs or carries
    something.

    pypdf resolves indirect references and decodes escaped names (/J#61vaScript is
    /JavaScript), so what is checked is what a viewer would see. Stream contents (page
    drawing, images) are not decoded; their dictionaries are checked. With `reader` and
    `cache_limit_bytes`, pypdf's cache of resolved objects is emptied whenever the streams
    read since exceed the limit (objects are read again from the file if needed), so a
    large file (a permit's plan set) is walked in bounded memory. Raises ValueError past
    _MAX_PDF_OBJECTS objects.
    """
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        IndirectObject,
        NameObject,
        StreamObject,
    )

    seen: set[tuple[int, int]] = set()
    pending = [root]
    visited = 0
    cached = 0
    while pending:
        node = pending.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
            if cache_limit_bytes is not None and isinstance(node, StreamObject):
                cached += len(getattr(node, "_data", b"") or b"")
                if cached > cache_limit_bytes:
                    # `seen` keeps the walk from visiting an object twice.
                    reader.resolved_objects.clear()
                    cached = 0
        visited += 1
        if visited > _MAX_PDF_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(node, DictionaryObject):
            if _ACTIVE_KEYS.intersection(node.keys()):
                return True
            action = node.get("/S")
            if isinstance(action, NameObject) and action in _ACTIVE_ACTIONS:
                return True
            # Raw values: indirect references stay references, resolved one at a time above.
            pending.extend(node.values())
        elif isinstance(node, ArrayObject):
            pending.extend(node)
    return False
