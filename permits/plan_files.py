"""Checking an uploaded plan sheet without holding it in memory.

A plan set can be tens of megabytes. Django already spools an upload larger than
FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file; this module keeps it there:

- the size is measured by seeking to the file's end, so a file past
  `PERMITS_PLAN_MAX_BYTES` is refused without reading any of it (the size an upload
  declares is never trusted);
- the type is judged from the first bytes (the `filetype` signature: a PDF by content);
- pypdf parses the file where it lies (it seeks and reads object by object), the one time
  the check reads it through, and every object reachable from the catalog is checked for
  active content, as for every case document (`cases.documents`). pypdf keeps each object
  it reads; the walk drops that cache whenever the streams read since add up to
  `WALK_CACHE_BYTES`, so the memory the check takes is bounded by that budget plus the
  largest single object, not by the size of the file;
- the caller stores the file from the same handle, which Django's storage API copies a chunk
  at a time (FileSystemStorage and S3-compatible storage alike).
"""

from __future__ import annotations

import dataclasses
import io
import logging

import filetype
from django.conf import settings
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cases.documents import pdf_has_active_content
from permits.exceptions import PlanRejected

logger = logging.getLogger(__name__)

# The stream data the active-content walk may keep in pypdf's object cache before dropping it.
WALK_CACHE_BYTES = 8 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class CheckedPlan:
    """A plan sheet that passed: its size and pages, and the upload to store (rewound)."""

    file: object
    size: int
    pages: int


def _too_large(size: int, limit: int) -> PlanRejected:
    return PlanRejected(
        _(
            "The selected file is %(size)s: a plan sheet must be smaller than %(limit)s. "
            "Save the sheet at a lower resolution, or split it into several sheets."
        )
        % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
        code="too_large",
    )


def _measured_size(upload) -> int:
    """The upload's size in bytes, from where its end lies: nothing is read."""
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    return size


def plan_pdf_check(upload) -> CheckedPlan:
    """Check `upload` (a Django File, on disk or in memory) is a plan sheet we accept.

    Raises PlanRejected (code "empty", "too_large", "file_type", "pdf_unreadable",
    "pdf_encrypted", "pdf_active_content") with what to do about it; nothing is stored.
    """
    limit = settings.PERMITS_PLAN_MAX_BYTES
    size = _measured_size(upload)
    if size > limit:
        raise _too_large(size, limit)
    if not size:
        raise PlanRejected(_("The selected file is empty."), code="empty")
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    if kind is None or kind.mime != "application/pdf":
        raise PlanRejected(
            _("The selected file is not a PDF. Save or export the sheet as a PDF and upload it."),
            code="file_type",
        )
    pages = _checked_pages(upload)
    upload.seek(0)
    return CheckedPlan(file=upload, size=size, pages=pages)


def _checked_pages(upload) -> int:
    unreadable = PlanRejected(
        _(
            "The selected PDF could not be read. Save or print it again as a PDF, "
            "or upload a scan of it as a JPG or PNG."
        ),
        code="pdf_unreadable",
    )
    # Imported here: pypdf is a large import that only an upload needs.
    from pypdf import PdfReader

    upload.seek(0)
    try:
        reader = PdfReader(upload)
        if reader.is_encrypted:
            raise PlanRejected(
                _(
                    "The selected PDF is protected by a password. Upload a copy without "
                    "the password."
                ),
                code="pdf_encrypted",
            )
        pages = len(reader.pages)
        if pages == 0:
            raise unreadable
        active = pdf_has_active_content(
            reader.trailer.raw_get("/Root"), reader=reader, cache_limit_bytes=WALK_CACHE_BYTES
        )
    except PlanRejected:
        raise
    except Exception as error:
        # Hostile bytes meet a parser here: pypdf raises its own errors and, for some damaged
        # files, KeyError, ValueError, zlib or struct errors. To the applicant they all mean
        # the same: we could not read the file.
        logger.info("Plan sheet refused as unreadable: %s", type(error).__name__)
        raise unreadable from None
    if active:
        raise PlanRejected(
            _(
                "The selected PDF contains scripts, attached files or actions, which we do not "
                "accept. Print it to a new PDF and upload that."
            ),
            code="pdf_active_content",
        )
    return pages


def sheet_response(sheet, *, filename: str = "", attachment: bool = False, cache: str = ""):
    """A stored plan sheet as its PDF (checked as one on upload), nosniff; `filename` defaults
    to "<sheet>-v<version>.pdf", `cache` is its Cache-Control if any. Shared by the
    applicant's download, the reviewer's page and the inspector's page."""
    response = FileResponse(
        sheet.file.open("rb"),
        as_attachment=attachment,
        filename=filename or f"{sheet.sheet_slug}-v{sheet.version}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    if cache:
        response["Cache-Control"] = cache
    return response
