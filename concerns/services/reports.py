"""Residents' and other systems' writes: make a report, follow it, say it is not fixed, rate
the service."""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.exceptions import ActionForbidden, SubmissionKeyTaken
from cases.models import CaseStatus
from cases.participants import (
    Participant,
    participant_add,
    participant_confirm,
    participant_remove,
)
from cases.participation import FOLLOWER
from cases.selectors import submission_key_made
from cases.services import case_create, submission_key_claim, transition
from concerns import notices
from concerns.geo import agency_area
from concerns.models import (
    MAX_PHOTOS,
    ConcernCategory,
    ConcernPhoto,
    ConcernReport,
    Open311ApiKey,
    ReportSource,
)
from concerns.photos import PhotoRejected, ProcessedPhoto, process_photo
from concerns.services.held_photos import HeldPhoto, held_photo_processed, held_photos_release
from concerns.validators import clean_attributes, clean_description, clean_location, clean_text
from concerns.workflow import KIND

logger = logging.getLogger(__name__)


class ReportRejected(ValidationError):
    """The report cannot be accepted as given; nothing was saved. `error_dict` names the
    fields ("category", "description", "address", "latitude", "longitude", "photos",
    "attribute_<code>", "email", "phone") with messages fit to show the reporter."""


def _merge(errors: dict, error: ValidationError, *, field: str) -> None:
    if hasattr(error, "error_dict"):
        for name, messages in error.error_dict.items():
            errors.setdefault(name, []).extend(messages)
    else:
        errors.setdefault(field, []).extend(error.error_list)


def _current_language() -> str:
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


def report_submit(
    *,
    category: ConcernCategory,
    description: str,
    address: str = "",
    latitude: Decimal | str | None = None,
    longitude: Decimal | str | None = None,
    answers: dict | None = None,
    photos: Sequence = (),
    held_photos: Sequence[HeldPhoto] = (),
    use_photo_location: bool = False,
    reporter=None,
    guest_name: str = "",
    guest_email: str = "",
    guest_phone: str = "",
    source: str = ReportSource.WEB,
    api_key: Open311ApiKey | None = None,
    device_id: str = "",
    account_id: str = "",
    media_url: str = "",
    submission: uuid.UUID | None = None,
) -> ConcernReport:
    """Check and record a report as a new concern case, with its photos; return it.

    With the `submission` key of the web form that sent it, the same form sent again
    returns the report it made and records nothing: the key is claimed for the report's case
    in the shared table (`cases.services.submission_key_claim`), in the transaction that
    records it, so two sends at once make one report too. Raises SubmissionKeyTaken (nothing
    recorded) for a key that was sent with something else, such as a report of another
    category.

    `reporter` is a signed-in resident; otherwise a guest gives an e-mail address or phone
    for updates, or nobody is told (an anonymous report). `photos` are uploaded files, and
    `held_photos` photos held while the form came back with errors (at most five in all;
    the held ones are deleted once the report is committed). With `use_photo_location` and
    no point given, the first photo's GPS position becomes the location (only then is it
    read at all; a held photo carries one only if it was ticked when the photo was held).

    Everything is checked before anything is written: ReportRejected lists every problem
    and nothing is saved. The case goes to the category's department, with its due date
    from the category's target; the reporter gets the case engine's "we received it".
    """
    errors: dict[str, list] = {}
    if not category.active or category.published_at is None:
        errors["category"] = [ValidationError(_("Choose a category from the list."))]
    try:
        description = clean_description(description)
    except ValidationError as error:
        _merge(errors, error, field="description")
    photos, held_photos = list(photos), list(held_photos)
    processed: list[ProcessedPhoto] = []
    if len(photos) + len(held_photos) > MAX_PHOTOS:
        errors["photos"] = [
            ValidationError(_("Choose at most %(count)d photos.") % {"count": MAX_PHOTOS})
        ]
    else:
        for held in held_photos:
            try:
                processed.append(held_photo_processed(held))
            except OSError:  # swept, or the storage lost it
                errors.setdefault("photos", []).append(
                    ValidationError(
                        _("We could not keep a photo you chose earlier: choose it again."),
                        code="held_photo",
                    )
                )
        for upload in photos:
            try:
                processed.append(process_photo(upload))
            except PhotoRejected as error:
                errors.setdefault("photos", []).extend(error.error_list)
    if category.photo_required and not photos and not held_photos and not media_url:
        errors.setdefault("photos", []).append(
            ValidationError(_("Add at least one photo of the problem."), code="required")
        )
    location_from_photo = False
    no_point = not str(latitude or "").strip() and not str(longitude or "").strip()
    if use_photo_location and no_point and processed:
        point = next((photo.gps for photo in processed if photo.gps), None)
        if point is not None and agency_area().contains(*point):
            latitude, longitude = point
            location_from_photo = True
    try:
        address, latitude, longitude = clean_location(
            address=address,
            latitude=latitude,
            longitude=longitude,
            required=category.location_required,
        )
    except ValidationError as error:
        _merge(errors, error, field="address")
    try:
        answers = clean_attributes(category=category, answers=answers or {})
    except ValidationError as error:
        _merge(errors, error, field="attributes")
    guest_name = _clean_optional(guest_name, label=_("name"), max_length=150, errors=errors)
    device_id = _clean_optional(device_id, label=_("device id"), max_length=100, errors=errors)
    account_id = _clean_optional(account_id, label=_("account id"), max_length=100, errors=errors)
    if reporter is not None:
        guest_name = guest_email = guest_phone = ""
    if errors:
        raise ReportRejected(errors)
    if submission is not None:
        sent = _report_sent_with(submission, category=category)
        if sent is not None:
            return sent

    stored: list[ConcernPhoto] = []
    try:
        with transaction.atomic():
            case = case_create(
                kind=KIND,
                applicant=reporter,
                guest_name=guest_name,
                guest_email=guest_email,
                guest_phone=guest_phone,
                department=category.department,
                actor=reporter,
                # Each category has its own target, in business days.
                target_days=category.target_days,
            )
            if submission is not None:
                # A new case: the claim fails only when the key was claimed meanwhile.
                submission_key_claim(case=case, key=submission)
            report = ConcernReport.objects.create(
                case=case,
                category=category,
                description=description,
                address=address,
                latitude=latitude,
                longitude=longitude,
                location_from_photo=location_from_photo,
                attributes=answers,
                source=source,
                api_key=api_key,
                device_id=device_id,
                account_id=account_id,
                media_url=media_url,
                requested_at=case.submitted_at,
            )
            for position, photo in enumerate(processed, start=1):
                stored.append(_photo_store(report=report, photo=photo, position=position))
            if held_photos:
                transaction.on_commit(lambda: held_photos_release(held_photos))
    except BaseException as error:
        for photo in stored:
            photo.image.delete(save=False)
        if submission is not None and isinstance(error, SubmissionKeyTaken):
            # The same form, sent at the same moment, won the race: its report is the one.
            sent = _report_sent_with(submission, category=category)
            if sent is not None:
                return sent
        raise
    logger.info("Concern report %s submitted (category=%s)", report.pk, category.code)
    return report


def _report_sent_with(key: uuid.UUID, *, category: ConcernCategory) -> ConcernReport | None:
    """The report of `category` the form with `key` made already (cases.selectors)."""
    return submission_key_made(key, made=ConcernReport.objects.filter(category=category))


def _clean_optional(value: str, *, label: str, max_length: int, errors: dict) -> str:
    try:
        return clean_text(value, label=label, max_length=max_length)
    except ValidationError as error:
        errors.setdefault(label.replace(" ", "_"), []).extend(error.error_list)
        return ""


def _photo_store(*, report: ConcernReport, photo: ProcessedPhoto, position: int) -> ConcernPhoto:
    row = ConcernPhoto(
        report=report,
        position=position,
        width=photo.width,
        height=photo.height,
        size=len(photo.content),
    )
    row.image.save("photo.jpg", ContentFile(photo.content), save=False)
    try:
        row.save()
    except BaseException:
        row.image.delete(save=False)
        raise
    return row


def report_follow(
    *, report: ConcernReport, user=None, email: str = "", phone: str = "", language: str = ""
) -> Participant | None:
    """Add a person to the report's updates; return their follower row (a participant of
    the report's case in the follower role, cases/participants.py).

    A signed-in `user`, or a guest's `email` and/or `phone`. Anyone can type anyone's address,
    so a follower is confirmed at once only when it is a signed-in person with a verified
    e-mail address; any other is sent one message, a signed link that expires
    (cases.tokens), and nothing more until its owner confirms with it
    (`report_follow_confirm`). Following twice returns the existing row (a request whose link
    has expired is replaced by a new one, with a new link); the report's own reporter needs
    no follower row (None is returned). Raises ValueError if there is nobody to tell.
    """
    if user is None and not (email or "").strip() and not str(phone or "").strip():
        raise ValueError("A follower needs an account, an e-mail address or a phone number.")
    if user is not None and report.case.applicant_id == user.pk:
        return None
    with transaction.atomic():
        # A change to the report locks it, then its case, then tells its followers: the
        # same order here keeps a follower from joining between the two.
        ConcernReport.objects.select_for_update(no_key=True).filter(pk=report.pk).exists()
        follower = participant_add(
            case=report.case,
            role=FOLLOWER,
            user=user,
            email=email,
            phone=phone,
            language=language,
            # The report's own page confirms a follower (concerns:follow_confirm).
            send_confirmation=False,
        )
        if follower is not None and follower.confirmed_at is None:
            # Once per request: the message's dedupe key is the follower's.
            notices.notify_follow_confirm(follower, report)
    return follower


def report_follow_confirm(*, follower: Participant) -> Participant:
    """The owner of a follower's address opened the link we sent: tell them from now on.

    Confirming twice changes nothing. The caller has checked the signed link
    (concerns.selectors.follower_for_confirm_token).
    """
    with transaction.atomic():
        # The report first, as every change to who is told about it (see report_follow).
        ConcernReport.objects.select_for_update(no_key=True).filter(
            case_id=follower.case_id
        ).exists()
        return participant_confirm(participant=follower)


def report_unfollow(*, report: ConcernReport, user) -> int:
    """Stop telling `user` about `report`; return how many rows were removed (0 or 1)."""
    with transaction.atomic():
        ConcernReport.objects.select_for_update(no_key=True).filter(pk=report.pk).exists()
        return participant_remove(case=report.case, role=FOLLOWER, user=user)


def _reopen_deadline(report: ConcernReport) -> datetime.datetime | None:
    closed_at = report.case.closed_at
    if closed_at is None:
        return None
    return closed_at + datetime.timedelta(days=settings.CONCERNS_REOPEN_DAYS)


def can_say_not_fixed(report: ConcernReport, *, now: datetime.datetime | None = None) -> bool:
    """Whether the reporter may still say "not fixed": closed (not as a duplicate) and
    within CONCERNS_REOPEN_DAYS of closing."""
    deadline = _reopen_deadline(report)
    return (
        deadline is not None
        and report.case.status == CaseStatus.CLOSED
        and report.close_reason != "duplicate"
        and (now or timezone.now()) <= deadline
    )


def report_not_fixed(*, report: ConcernReport, reporter=None, guest: bool = False, comment: str):
    """The reporter says the problem is still there: reopen the report for staff.

    `reporter` is the signed-in applicant, or `guest=True` when a guest's signed link was
    checked by the caller. Allowed within CONCERNS_REOPEN_DAYS of closing, not for a report
    closed as a duplicate. The comment goes on the public timeline; followers are told.
    Raises ActionForbidden (not the reporter, too late, not closed) or ValidationError (no
    comment, or HTML in it).
    """
    case = report.case
    if not guest and (reporter is None or case.applicant_id != reporter.pk):
        raise ActionForbidden("Only the person who made the report can say it is not fixed.")
    if guest and case.applicant_id is not None:
        raise ActionForbidden("This report belongs to an account: its reporter signs in.")
    comment = clean_text(comment, label=_("what is still wrong"), max_length=2000, required=True)
    with transaction.atomic():
        locked = (
            ConcernReport.objects.select_for_update(no_key=True)
            .select_related("case")
            .get(pk=report.pk)
        )
        if not can_say_not_fixed(locked):
            raise ActionForbidden("This report can no longer be reopened by its reporter.")
        locked.close_reason = ""
        locked.public_reason = ""
        locked.redirect_contact = ""
        locked.scheduled_for = None
        locked.save(
            update_fields=["close_reason", "public_reason", "redirect_contact", "scheduled_for"]
        )
        # A signed-in reporter is recorded as the one who reopened it; a guest is the system.
        transition(
            case=locked.case,
            to_status=CaseStatus.REOPENED,
            actor=None if guest else reporter,
            public_note=comment,
        )
    report.refresh_from_db()
    return report


def report_rate(
    *, report: ConcernReport, rating: int, comment: str = "", reporter=None, guest: bool = False
) -> ConcernReport:
    """Record the reporter's rating of how the report was handled (once, after closing).

    Raises ActionForbidden (not the reporter, not closed, already rated) or ValidationError
    (a rating outside 1 to 5, HTML in the comment).
    """
    case = report.case
    if not guest and (reporter is None or case.applicant_id != reporter.pk):
        raise ActionForbidden("Only the person who made the report can rate it.")
    if guest and case.applicant_id is not None:
        raise ActionForbidden("This report belongs to an account: its reporter signs in.")
    if rating not in range(1, 6):
        raise ValidationError(_("Choose a rating from 1 to 5."), code="rating")
    comment = clean_text(comment, label=_("comment"), max_length=2000)
    with transaction.atomic():
        locked = (
            ConcernReport.objects.select_for_update(no_key=True)
            .select_related("case")
            .get(pk=report.pk)
        )
        if locked.case.closed_at is None:
            raise ActionForbidden("A report can be rated once it is closed.")
        if locked.rating is not None:
            raise ActionForbidden("This report has already been rated.")
        locked.rating, locked.rating_comment, locked.rated_at = rating, comment, timezone.now()
        locked.save(update_fields=["rating", "rating_comment", "rated_at"])
    report.refresh_from_db()
    return report
