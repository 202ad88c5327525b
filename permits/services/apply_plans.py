"""Plan sheets uploaded with a permit application: PDF only, checked by content, one row
per sheet.

A sheet is refused when it is empty, larger than `PERMITS_PLAN_MAX_BYTES`, not a PDF (by its
content, whatever its name says), unreadable, protected by a password, or carrying scripts,
actions or attached files (the same PDF check as every case document). A draft's sheet
uploaded again under the same number replaces the earlier file; after the application is
sent, sheets are the record and revisions are new versions (plan review).
"""

from __future__ import annotations

import io

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cases.documents import _checked_pdf, clean_original_name
from cases.exceptions import DocumentRejected
from permits.exceptions import PlanRejected
from permits.models import Permit, PlanSheet
from permits.services.apply import _lock, _require_applicant_draft


def plan_pdf_check(upload) -> tuple[bytes, int]:
    """The upload's bytes and page count, if it is a plan sheet we accept. Raises
    PlanRejected (code "empty", "too_large", "file_type", "pdf_unreadable", "pdf_encrypted",
    "pdf_active_content") with what to do about it."""
    size = upload.size or 0
    limit = settings.PERMITS_PLAN_MAX_BYTES
    if not size:
        raise PlanRejected(_("The selected file is empty."), code="empty")
    if size > limit:
        raise PlanRejected(
            _(
                "The selected file is %(size)s: a plan sheet must be smaller than %(limit)s. "
                "Save the sheet at a lower resolution, or split it into several sheets."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    if kind is None or kind.mime != "application/pdf":
        raise PlanRejected(
            _("The selected file is not a PDF. Save or export the sheet as a PDF and upload it."),
            code="file_type",
        )
    try:
        content = _checked_pdf(upload)
    except DocumentRejected as refused:
        raise PlanRejected(refused.messages[0], code=refused.code) from None
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(content)).pages)
    return content, pages


def plan_sheet_add(*, permit: Permit, actor, sheet: str, upload, title: str = "") -> PlanSheet:
    """Add a sheet to a draft's plans (or replace the draft's sheet of that number).

    Raises PlanRejected (nothing stored), PermitIncomplete for no sheet number,
    PermitNotEditable.
    """
    from permits.exceptions import PermitIncomplete

    sheet = (sheet or "").strip().upper()
    if not sheet:
        raise PermitIncomplete({"sheet": _("Enter the sheet number.")})
    # Checked before taking any lock: a large PDF takes a moment to parse.
    content, pages = plan_pdf_check(upload)
    with transaction.atomic():
        locked = _lock(permit)
        _require_applicant_draft(locked, actor)
        replaced = list(locked.plan_sheets.filter(sheet=sheet))
        for old in replaced:
            name = old.file.name
            old.delete()
            transaction.on_commit(lambda name=name, storage=old.file.storage: storage.delete(name))
        row = PlanSheet(
            permit=locked,
            sheet=sheet,
            title=(title or "").strip(),
            original_name=clean_original_name(getattr(upload, "name", "") or "")[:200],
            size_bytes=len(content),
            page_count=pages,
            version=1,
            review_round=1,
            uploaded_by=actor,
        )
        row.file.save(f"{row.sheet_slug}.pdf", ContentFile(content), save=False)
        row.save()
        if locked.step == Permit.Step.PLANS:
            locked.step = Permit.Step.QUESTIONS
            locked.save(update_fields=["step", "updated_at"])
    return row


def plan_sheet_remove(*, permit: Permit, actor, sheet_id: int) -> None:
    """Remove a sheet from a draft's plans (its file goes once the change is saved).
    Raises PlanSheet.DoesNotExist for a sheet of another permit, PermitNotEditable."""
    with transaction.atomic():
        locked = _lock(permit)
        _require_applicant_draft(locked, actor)
        row = locked.plan_sheets.get(pk=sheet_id)
        name, storage = row.file.name, row.file.storage
        row.delete()
        transaction.on_commit(lambda: storage.delete(name))
