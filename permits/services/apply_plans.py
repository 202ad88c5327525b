"""Plan sheets uploaded with a permit application: PDF only, checked by content, one row
per sheet.

A sheet is refused when it is empty, larger than `PERMITS_PLAN_MAX_BYTES`, not a PDF (by its
content, whatever its name says), unreadable, protected by a password, or carrying scripts,
actions or attached files (the same PDF check as every case document). The check and the
storing stream the file (`permits.plan_files`): a large plan set is never held in memory.
A draft's sheet uploaded again under the same number replaces the earlier file; after the
application is sent, sheets are the record and revisions are new versions (plan review).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cases.documents import clean_original_name
from permits.models import Permit, PlanSheet
from permits.plan_files import plan_pdf_check
from permits.services.apply.drafts import _lock, _require_applicant_draft


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
    checked = plan_pdf_check(upload)
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
            size_bytes=checked.size,
            page_count=checked.pages,
            version=1,
            review_round=1,
            uploaded_by=actor,
        )
        # Copied to storage a chunk at a time from where the upload lies.
        row.file.save(f"{row.sheet_slug}.pdf", checked.file, save=False)
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
