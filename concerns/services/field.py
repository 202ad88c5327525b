"""The field staff's result on a report assigned to them: what was found and done, the
photos taken, and whether the report is resolved or needs follow-up.

A result may be sent twice from a phone that kept it while offline (portal/offline.py): it
carries a key, claimed in the same transaction (`cases.services.submission_key_claim`), so
the second time nothing is applied.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import events, permissions
from cases.exceptions import ActionForbidden, DocumentRejected, TransitionNotAllowed
from cases.models import CaseEventAudience, CaseStatus
from cases.services import case_add_note, case_record_event, document_add, submission_key_claim
from concerns.models import CloseReason, ConcernReport
from concerns.services.staff import (
    PUBLIC_REASON_MAX_LENGTH,
    _lock,
    report_close,
    report_start_work,
)
from concerns.validators import clean_text

RESOLVED = "resolved"
FOLLOW_UP = "follow_up"
OUTCOMES = (RESOLVED, FOLLOW_UP)
FOUND_MAX_LENGTH = 4000
MAX_FIELD_PHOTOS = 5


def report_field_result(
    *,
    report: ConcernReport,
    actor,
    outcome: str,
    found: str,
    public_note: str,
    photos: list | None = None,
    key: uuid.UUID,
) -> bool:
    """Record what the assignee found on site; False if this key was recorded before.

    "resolved" closes the report as fixed, `public_note` being the reason the reporter and
    followers read; "follow_up" keeps it open (starting work on a new or reopened report) and
    publishes `public_note` as an update when there is one. `found` is the internal note; the
    photos are added to the case for staff. Raises ValidationError for a missing or invalid
    detail, or a file the case's documents refuse, on "photos" (nothing recorded),
    ActionForbidden unless `actor` is the report's assignee and may work it,
    TransitionNotAllowed for a report closed meanwhile, SubmissionKeyTaken for a key recorded
    already with another report's result (nothing recorded).
    """
    photos = list(photos or [])
    errors: dict[str, list] = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = [ValidationError(_("Choose whether the problem is resolved."))]
    try:
        found = clean_text(
            found, label=_("what you found and did"), max_length=FOUND_MAX_LENGTH, required=True
        )
    except ValidationError as error:
        errors["found"] = error.error_list
    try:
        public_note = clean_text(
            public_note,
            label=_("the message for the public"),
            max_length=PUBLIC_REASON_MAX_LENGTH,
            required=outcome == RESOLVED,
        )
    except ValidationError as error:
        errors["public_note"] = error.error_list
    if len(photos) > MAX_FIELD_PHOTOS:
        errors["photos"] = [
            ValidationError(_("Add at most %(max)d photos.") % {"max": MAX_FIELD_PHOTOS})
        ]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        locked = _lock(report)
        # Judged on the locked case: the report may have been given to someone else since
        # the caller read it.
        if locked.case.assignee_id != getattr(actor, "pk", None) or not permissions.can(
            actor, permissions.MOVE, locked.case
        ):
            raise ActionForbidden("Only the member of staff the report is assigned to can do this.")
        if not submission_key_claim(case=locked.case, key=key):
            return False
        if locked.case.closed_at is not None:
            raise TransitionNotAllowed(_("This report is closed already: nothing was recorded."))
        for photo in photos:
            try:
                document_add(case=locked.case, uploaded_by=actor, upload=photo, public=False)
            except DocumentRejected as rejected:
                # On the photos, as the form shows it; the transaction records nothing.
                raise ValidationError({"photos": rejected.error_list}) from None
        case_add_note(
            case=locked.case,
            author=actor,
            body=_("Found on site by %(name)s: %(found)s") % {"name": actor, "found": found},
        )
        if outcome == RESOLVED:
            report_close(
                report=locked, actor=actor, reason=CloseReason.FIXED, public_reason=public_note
            )
        elif locked.case.status in (CaseStatus.SUBMITTED, CaseStatus.REOPENED):
            report_start_work(report=locked, actor=actor, public_note=public_note)
        elif public_note:
            case_record_event(
                case=locked.case,
                kind=events.UPDATE,
                audience=CaseEventAudience.PUBLIC,
                body=public_note,
                actor=actor,
            )
    report.refresh_from_db()
    report.case.refresh_from_db()
    return True
