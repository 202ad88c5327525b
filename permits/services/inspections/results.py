"""Results: the inspector's result with its photos, the re-inspection fee a failure charges,
and the final inspection that finals the permit."""

from __future__ import annotations

import datetime
import secrets
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.exceptions import SubmissionKeyTaken
from cases.models import Case
from cases.services import case_record_event, submission_key_claim, transition
from payments.services import LineItem, invoice_create
from permits import inspection_events as ev
from permits import workflow as wf
from permits.exceptions import InspectionRefused
from permits.models import Inspection, InspectionPhoto, InspectionResult, InspectionStatus, Permit
from permits.models.inspections import RESULTS_WITH_REASON
from permits.selectors_inspections import agency_now, passed_steps, required_steps
from permits.services.inspections.access import _may_result
from permits.services.inspections.common import _lock_case, _lock_inspection, _payload

PURPOSE_REINSPECTION = "permits.reinspection_fee"


def _reinspection_fee(permit: Permit, locked: Inspection, case: Case):
    rule = getattr(permit.permit_type, "reinspection_fee", None)
    if rule is None:
        return None
    failures = permit.inspections.filter(result=InspectionResult.FAILED).count()
    if failures <= rule.free_failures:
        return None
    return invoice_create(
        purpose=PURPOSE_REINSPECTION,
        description=_("Re-inspection fee, permit %(number)s") % {"number": permit.permit_number},
        lines=[
            LineItem(
                _("Re-inspection fee: %(inspection)s") % {"inspection": locked.step.name},
                rule.fee_cents,
            )
        ],
        payer=case.applicant,
        guest_name=case.guest_name,
        guest_email=case.guest_email if case.applicant_id is None else "",
        subject=locked,
    )


def inspection_record_result(
    *,
    inspection: Inspection,
    actor,
    result: str,
    checklist: list | None = None,
    deficiencies: str = "",
    comments: str = "",
    photos=(),
    result_key: uuid.UUID | None = None,
    now: datetime.datetime | None = None,
) -> Inspection:
    """Record the inspector's result: passed, partly passed, failed or not done on site.

    Any result but passed must say why (deficiencies or comments). A pass, or a partial
    pass, restarts the permit's validity from today; a failure charges the type's
    re-inspection fee (after its free ones), which must be paid before the next booking; the
    final inspection passing finals the permit and, where the type gives one, issues the
    certificate of occupancy. `actor` is the inspection's inspector or staff who decide in the
    permit's department. The form's `result_key` is claimed for the permit's case in the
    same transaction (`cases.services.submission_key_claim`): a key claimed already is a
    replay of the same form, so nothing is applied again and the inspection is returned.
    Raises InspectionRefused, changing nothing.
    """
    now = now or agency_now()
    if result not in InspectionResult.values:
        raise InspectionRefused(_("Choose a result."), code="result")
    deficiencies = (deficiencies or "").strip()
    comments = (comments or "").strip()
    if result in RESULTS_WITH_REASON and not (deficiencies or comments):
        raise InspectionRefused(
            _("Say why: list the deficiencies or write a comment for this result."),
            code="reason",
        )
    permit = inspection.permit
    with transaction.atomic():
        case = _lock_case(permit)
        permit = Permit.objects.select_for_update().select_related("permit_type").get(pk=permit.pk)
        permit.case = case
        locked = _lock_inspection(inspection)
        if not _may_result(actor, locked, case):
            raise InspectionRefused(
                _("Only the inspection's inspector or the permit office may record its result."),
                code="forbidden",
            )
        if result_key is not None and not _key_claim(case, locked, result_key):
            return locked
        if locked.status != InspectionStatus.SCHEDULED:
            raise InspectionRefused(_("This inspection's result is recorded already."), code="done")
        if locked.day > now.date():
            raise InspectionRefused(
                _("A result is recorded on or after the inspection's day."), code="early"
            )
        locked.status = InspectionStatus.DONE
        locked.result = result
        locked.checklist = list(checklist or [])
        locked.deficiencies = deficiencies
        locked.comments = comments
        locked.resulted_at = timezone.now()
        locked.resulted_by = actor
        locked.save()
        for upload in photos:
            _photo_add(locked, upload)
        if result == InspectionResult.FAILED:
            locked.fee_invoice = _reinspection_fee(permit, locked, case)
            if locked.fee_invoice is not None:
                locked.save(update_fields=["fee_invoice", "updated_at"])
        case_record_event(
            case=case,
            kind=ev.INSPECTION_RESULT,
            audience="public",
            payload=_payload(locked, result=result),
            actor=actor,
        )
        if result in (InspectionResult.PASSED, InspectionResult.PARTIAL):
            _restart_validity(permit)
        if result == InspectionResult.PASSED and locked.step.final:
            _final(permit, case, locked)
    return locked


def _key_claim(case: Case, locked: Inspection, key: uuid.UUID) -> bool:
    """Claim the result form's key for the permit's case; False for a replay of a result
    recorded already. Raises InspectionRefused for a key sent with another case's or another
    inspection's result."""
    try:
        claimed = submission_key_claim(case=case, key=key)
    except SubmissionKeyTaken:
        claimed = None
    # The key is the permit's case's, not the inspection's: a key claimed already while this
    # inspection still waits for its result was claimed by another inspection's form.
    if claimed is None or (not claimed and locked.status == InspectionStatus.SCHEDULED):
        raise InspectionRefused(
            _("This form was sent for another inspection: nothing was recorded."), code="key"
        )
    return claimed


def _restart_validity(permit: Permit) -> None:
    renewed = timezone.now() + datetime.timedelta(days=permit.permit_type.validity_days)
    if permit.expires_at is None or renewed > permit.expires_at:
        permit.expires_at = renewed
        permit.save(update_fields=["expires_at", "updated_at"])


def _final(permit: Permit, case: Case, inspection: Inspection) -> None:
    """The final inspection passed: every required inspection must have passed too."""
    missing = [step.name for step in required_steps(permit) if step.pk not in passed_steps(permit)]
    if missing:
        return  # an out-of-order final (staff's booking): the permit finals with the last pass
    from permits.services.issuance import certificate_issue

    permit.finaled_at = timezone.now()
    permit.save(update_fields=["finaled_at", "updated_at"])
    transition(case=case, to_status=wf.FINALED, actor=None)
    if permit.permit_type.gives_certificate_of_occupancy:
        certificate_issue(permit=permit, inspection=inspection)


def _photo_add(inspection: Inspection, upload) -> InspectionPhoto:
    from cases.images import JPEG_FORMATS, ImageRefused, image_decode, image_encode

    # Refused before decoding (a phone's photo is 2 to 6 MB).
    limit = settings.PERMITS_PHOTO_MAX_BYTES
    if getattr(upload, "size", 0) > limit:
        raise InspectionRefused(
            _("A photo is larger than %(limit)s.") % {"limit": filesizeformat(limit)},
            code="photo",
        )
    try:
        decoded = image_decode(upload, formats=frozenset({*JPEG_FORMATS, "PNG", "WEBP", "HEIF"}))
        data = image_encode(decoded.image, image_format="JPEG")
    except ImageRefused as refused:
        raise InspectionRefused(
            _("A photo is not an image we can read."), code="photo"
        ) from refused
    photo = InspectionPhoto(inspection=inspection, token=secrets.token_hex(8))
    photo.image.save("photo.jpg", ContentFile(data), save=False)
    photo.save()
    return photo
