"""Checks on uploaded documents: size, and type judged by the file's content.

The name a resident gives a file and the type their browser claims are both ignored: a
``.pdf`` that is really a program is refused. Detection reads the file's signature bytes with
the `filetype` library; accepted types are `CaseDocument.EXTENSIONS`.
"""

import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cases.exceptions import DocumentRejected
from cases.models import CaseDocument


@dataclass(frozen=True)
class InspectedUpload:
    content_type: str
    size: int
    original_name: str


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
    """Return the upload's real type, size and a safe display name; raise DocumentRejected.

    `upload` is any Django File (an UploadedFile from a form, a ContentFile in code).
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
    return InspectedUpload(
        content_type=kind.mime,
        size=size,
        original_name=clean_original_name(getattr(upload, "name", "") or ""),
    )
