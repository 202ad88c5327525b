"""Every write of the case engine. Views, admin, tasks and domain apps call these.

Each function is one transaction: the change, its timeline event and its notification rows
(the notifications outbox, dispatched after commit) succeed or fail together. A refused
change raises one of `cases.exceptions` and leaves the database as it was.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from cases import notices, permissions
from cases.actors import actor_role
from cases.areas.locating import case_locate_after_commit
from cases.documents import inspect_upload
from cases.exceptions import (
    ActionForbidden,
    InvalidAssignee,
    SubmissionKeyTaken,
    TransitionForbidden,
    TransitionNotAllowed,
    TransitionRefused,
)
from cases.models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseMessage,
    CaseStatus,
    Department,
    SubmissionKey,
)
from cases.participants import applicant_participant_add
from cases.references import reference_allocate
from cases.service_levels import stage_move
from cases.workflow import APPLICANT, STAFF, Workflow, get_workflow

logger = logging.getLogger(__name__)

Audience = CaseEvent.Audience


def recordable_event_kinds(workflow: Workflow) -> dict:
    """Kinds a service may record on a case of `workflow` with case_record_event: an internal
    note and the workflow's own kinds (submissions, moves, messages, replies, documents and
    assignments have their own services)."""
    return {code: kind for code, kind in workflow.all_event_kinds.items() if kind.recordable}


def _move_audience(workflow: Workflow, *, public: bool) -> str:
    """Who reads a submission or a status change: staff only for a private move; for a public
    one, everyone if the workflow publishes its history, otherwise the people on the case."""
    if not public:
        return Audience.STAFF
    return Audience.PUBLIC if workflow.published else Audience.PARTICIPANTS


def _current_language() -> str:
    """The active language, as one of settings.LANGUAGES ("es-mx" is "es")."""
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


def _require_text(value: str, *, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValueError(f"{what} cannot be empty.")
    return value


def _require(user, action: str, case: Case, *, doing: str) -> None:
    if not permissions.can(user, action, case):
        raise ActionForbidden(f"Only staff whose role allows it can {doing}.")


def case_create(
    *,
    kind: str,
    applicant=None,
    guest_name: str = "",
    guest_email: str = "",
    guest_phone: str = "",
    department: Department | None = None,
    submit: bool = True,
    actor=None,
    target_days: int | None = None,
) -> Case:
    """Open a case of `kind` for a resident or a guest, and submit it unless `submit=False`.

    Allocates the reference, sets the department (the workflow's, unless given) and, when
    submitted, starts the service-level clocks (cases/service_levels.py): the whole case is
    due `target_days` business days later (the workflow's target unless given, for a
    service that sets it per type or category) and its first stage by its status's target;
    writes the public `submitted` event, queues the "we received it" message to the resident
    and, once committed, places the case in its area (cases/areas/). A draft (`submit=False`) gets
    its reference now and is submitted later by moving it to `submitted` with `transition`.

    `actor` is who entered it (a clerk typing a paper form); it defaults to the applicant.
    A case with no applicant and no guest e-mail or phone is created anonymous only if the
    workflow allows it. Raises LookupError for an unregistered kind and ValueError if the
    case would have nobody to tell, or is a draft in a workflow without drafts.
    """
    workflow = get_workflow(kind)
    guest_email = (guest_email or "").strip()
    guest_phone = str(guest_phone or "").strip()
    guest_name = (guest_name or "").strip()
    anonymous = applicant is None and not guest_email and not guest_phone
    if anonymous and not workflow.allow_anonymous:
        raise ValueError(
            f"A {kind} case needs an applicant, or a guest e-mail address or phone number."
        )
    status = workflow.initial_status if submit else CaseStatus.DRAFT
    if status not in workflow.states:
        raise ValueError(f"The {kind} workflow has no {str(status)!r} state.")

    with transaction.atomic():
        if department is None and workflow.department_code:
            department = Department.objects.filter(code=workflow.department_code).first()
        now = timezone.now()
        case = Case.objects.create(
            reference=reference_allocate(prefix=workflow.prefix),
            kind=kind,
            status=status,
            applicant=applicant,
            guest_name=guest_name,
            guest_email=guest_email,
            guest_phone=guest_phone,
            anonymous=anonymous,
            language=_current_language(),
            department=department,
            submitted_at=now if submit else None,
            closed_at=now if submit and workflow.is_final(status) else None,
            created_at=now,
        )
        applicant_participant_add(case=case)
        if submit:
            stage_move(
                case=case, workflow=workflow, from_status=None, now=now, target_days=target_days
            )
            Case.objects.filter(pk=case.pk).update(
                due_date=case.due_date,
                stage_due_date=case.stage_due_date,
                paused_at=case.paused_at,
            )
            event = CaseEvent.objects.create(
                case=case,
                kind=CaseEvent.Kind.SUBMITTED,
                audience=_move_audience(workflow, public=True),
                actor=actor or applicant,
                to_status=status,
                created_at=now,
            )
            notices.notify_submitted(case, audience=event.audience)
            case_locate_after_commit(case)
    logger.info("Case %s created (kind=%s, submitted=%s)", case.pk, kind, submit)
    return case


# What a move changes on the case row.
_MOVED_FIELDS = (
    "status",
    "submitted_at",
    "closed_at",
    "due_date",
    "stage_due_date",
    "paused_at",
)


def transition(
    *,
    case: Case,
    to_status: str,
    actor,
    note: str = "",
    public_note: str = "",
    target_days: int | None = None,
    offered: bool = False,
) -> CaseEvent:
    """Move `case` to `to_status` if its workflow allows it and `actor` may make the move;
    return the timeline event that records the move.

    `actor` is the person deciding (None for the system): a service that checks its own rules
    (a clerk approving an application) still passes the clerk, so the timeline records who
    decided. `offered=True` says the move was chosen on a generic page (the case page, the
    back office), which may not make a `service_only` move. `note` is an internal note for staff;
    `public_note` is plain-language text for the resident, allowed on public moves only.
    `target_days` replaces the workflow's whole-case target (in business days) when a draft
    is submitted, for a service whose administrator sets the target per type (what the
    type's page promises).

    Locks the case row for the whole change, so two clerks acting at once are applied one
    after the other and the second is judged against the first's result. Sets `submitted_at`
    when a draft is submitted, sets `closed_at` on entering a final state and clears it on
    leaving one, keeps the service-level clocks (`cases.service_levels.stage_move`: due
    dates in business days, a new stage, a pause while waiting for the resident), writes the
    timeline event (public if the move is), the internal note if any, and for public moves
    tells the participants the workflow tells of them. Updates `case` in place.

    Raises TransitionNotAllowed if the workflow has no such move from the current status,
    TransitionForbidden if `actor` may not make it (or the move is the service's own and
    `offered` is set), TransitionRefused with the guard's reason if the move's guard refuses it
    now; nothing changes in any case.
    """
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",), no_key=True)
            .select_related("applicant")
            .get(pk=case.pk)
        )
        workflow = get_workflow(locked.kind)
        from_status = locked.status
        move = workflow.find_transition(from_status, to_status)
        if move is None:
            raise TransitionNotAllowed(
                f"A {workflow.kind} case cannot go from {from_status!r} to {to_status!r}."
            )
        if offered and move.service_only:
            raise TransitionForbidden(
                f"Moving a {workflow.kind} case from {from_status!r} to {to_status!r} is made "
                "by its service only, never from a generic page."
            )
        role = actor_role(case=locked, actor=actor, action=permissions.MOVE)
        if role not in move.actors:
            raise TransitionForbidden(
                f"Moving a {workflow.kind} case from {from_status!r} to {to_status!r} is "
                f"for {', '.join(sorted(move.actors))}, not for {role or 'this person'}."
            )
        if move.guard is not None:
            reason = move.guard(case=locked, actor=actor)
            if reason:
                raise TransitionRefused(str(reason))
        public_note = (public_note or "").strip()
        if public_note and not move.public:
            raise ValueError("A public note needs a public move; use `note` for staff.")

        now = timezone.now()
        first_submission = from_status == CaseStatus.DRAFT and locked.submitted_at is None
        locked.status = to_status
        if first_submission:
            locked.submitted_at = now
        if workflow.is_final(to_status):
            locked.closed_at = locked.closed_at or now
        else:
            locked.closed_at = None
        stage_move(
            case=locked,
            workflow=workflow,
            from_status=from_status,
            now=now,
            target_days=target_days if first_submission else None,
        )
        locked.save(update_fields=[*_MOVED_FIELDS, "updated_at"])
        event = CaseEvent.objects.create(
            case=locked,
            kind=CaseEvent.Kind.SUBMITTED if first_submission else CaseEvent.Kind.STATUS_CHANGED,
            audience=_move_audience(workflow, public=move.public),
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            body=public_note,
            created_at=now,
        )
        if note.strip():
            CaseEvent.objects.create(
                case=locked,
                kind=CaseEvent.Kind.NOTE,
                audience=Audience.STAFF,
                actor=actor,
                body=note.strip(),
                created_at=now,
            )
        if first_submission:
            notices.notify_submitted(locked, audience=event.audience)
            case_locate_after_commit(locked)
        elif move.public:
            notices.notify_status_changed(locked, event=event, public_note=public_note)
        if role == APPLICANT and not first_submission and not workflow.is_final(to_status):
            # The resident sent the case back to staff (with what they were asked for).
            notices.notify_sent_back(locked, event_id=event.pk)

    for field in (*_MOVED_FIELDS, "updated_at"):
        setattr(case, field, getattr(locked, field))
    case._service_level = None
    logger.info("Case %s moved %s -> %s by %s", case.pk, from_status, to_status, role)
    return event


def case_assign(*, case: Case, assignee, actor) -> Case:
    """Give `case` to `assignee` (active staff who works its department), or to nobody.

    `actor` must be staff whose role assigns cases in the case's department, or None for the
    system. Assigning to the current assignee changes nothing and writes no event. Raises
    ActionForbidden or InvalidAssignee.
    """
    if actor is not None:
        _require(actor, permissions.ASSIGN, case, doing="assign cases")
    if assignee is not None and not permissions.may_hold(assignee, case):
        raise InvalidAssignee(
            "Cases can only be assigned to active members of staff who work its department."
        )
    with transaction.atomic():
        locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        new_id = assignee.pk if assignee is not None else None
        if locked.assignee_id == new_id:
            return case
        locked.assignee = assignee
        locked.save(update_fields=["assignee", "updated_at"])
        CaseEvent.objects.create(
            case=locked,
            kind=CaseEvent.Kind.ASSIGNED,
            audience=Audience.STAFF,
            actor=actor,
            body=str(assignee) if assignee is not None else "",
        )
    case.assignee = assignee
    case.updated_at = locked.updated_at
    return case


def case_add_note(*, case: Case, author, body: str) -> CaseEvent:
    """Add an internal note to the timeline (never shown to the resident).

    Raises ActionForbidden unless `author`'s role lets them work the case."""
    _require(author, permissions.NOTE, case, doing="add internal notes")
    body = _require_text(body, what="A note")
    with transaction.atomic():
        return CaseEvent.objects.create(
            case=case, kind=CaseEvent.Kind.NOTE, audience=Audience.STAFF, actor=author, body=body
        )


def case_message_resident(*, case: Case, author, body: str) -> CaseMessage:
    """Write to the case's resident: a message on the thread, an event for the people on the
    case (never for the public page), a notification.

    Raises ActionForbidden unless `author` is staff whose role lets them message the
    resident (and not the applicant), or if the case is still a draft; ValueError for an
    empty message.
    """
    _require(author, permissions.MESSAGE, case, doing="message residents about sent cases")
    if case.applicant_id == author.pk:
        raise ActionForbidden("Staff cannot message themselves about their own case.")
    body = _require_text(body, what="A message")
    with transaction.atomic():
        message = CaseMessage.objects.create(case=case, author=author, from_staff=True, body=body)
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.MESSAGE,
            audience=Audience.PARTICIPANTS,
            actor=author,
            body=body,
        )
        notices.notify_message(case, message_id=message.pk, body=body)
    return message


def case_reply(*, case: Case, author, body: str) -> CaseMessage:
    """Record the resident's reply on the thread and tell staff: the assignee, or the
    department's staff while nobody holds the case.

    Only the case's own applicant may reply (ActionForbidden otherwise).
    """
    if author is None or actor_role(case=case, actor=author) != APPLICANT:
        raise ActionForbidden("Only the case's applicant can reply on it.")
    body = _require_text(body, what="A reply")
    with transaction.atomic():
        message = CaseMessage.objects.create(case=case, author=author, from_staff=False, body=body)
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.REPLY,
            audience=Audience.PARTICIPANTS,
            actor=author,
            body=body,
        )
        notices.notify_reply_received(case, message_id=message.pk)
    return message


def case_messages_mark_read(*, case: Case, reader) -> int:
    """Mark the other side's messages on `case` read by `reader`; return how many changed.

    The applicant reads staff's messages; staff read the resident's. Anyone else reads
    nothing. Reading twice changes nothing.
    """
    role = actor_role(case=case, actor=reader) if reader is not None else None
    if role not in (APPLICANT, STAFF):
        return 0
    with transaction.atomic():
        return CaseMessage.objects.filter(
            case=case, from_staff=(role == APPLICANT), read_at__isnull=True
        ).update(read_at=timezone.now())


def document_add(*, case: Case, uploaded_by, upload, public: bool = True) -> CaseDocument:
    """Attach an uploaded file to `case` after checking its size and its content.

    What is stored is what `cases.documents.inspect_upload` returns: an image re-encoded
    without its metadata, or a PDF that parsed and carries no active content.

    `uploaded_by` is the applicant, a member of staff, or None (a guest, the system). A
    resident's own upload is always visible to them, and tells staff (the assignee, or the
    department's staff) once the case is sent. Raises DocumentRejected (too large,
    empty, not an accepted type, or content we refuse) before anything is stored, and
    ActionForbidden if `uploaded_by` has no part in the case or is the applicant of a closed
    case.

    The file is written through the storage API before the row; if writing the row fails the
    file is deleted again. If an enclosing transaction rolls back later, the stored file is
    left unreachable (no row points to it) until `stored_files_sweep` deletes it.
    """
    role = actor_role(case=case, actor=uploaded_by, action=permissions.NOTE)
    if role is None:
        raise ActionForbidden("Only the applicant or staff can add documents to a case.")
    if role == APPLICANT:
        if case.closed_at is not None:
            raise ActionForbidden("This request is closed: documents can no longer be added.")
        public = True
    inspected = inspect_upload(upload)
    document = CaseDocument(
        case=case,
        uploaded_by=uploaded_by,
        original_name=inspected.original_name,
        content_type=inspected.content_type,
        size=inspected.size,
        public=public,
    )
    # The storage name comes from `document_upload_to`: random, never the resident's.
    document.file.save("upload", ContentFile(inspected.content), save=False)
    try:
        with transaction.atomic():
            document.save()
            CaseEvent.objects.create(
                case=case,
                kind=CaseEvent.Kind.DOCUMENT_ADDED,
                audience=Audience.PARTICIPANTS if public else Audience.STAFF,
                actor=uploaded_by,
                body=inspected.original_name,
            )
            if role == APPLICANT and case.status != CaseStatus.DRAFT:
                notices.notify_document_received(case, document_id=document.pk)
    except BaseException:
        document.file.delete(save=False)
        raise
    return document


def case_record_event(
    *,
    case: Case,
    kind: str,
    audience: str,
    body: str = "",
    payload: dict | None = None,
    actor=None,
) -> CaseEvent:
    """Add one of the workflow's own events (a payment, a reminder, an update) or an internal
    note to the timeline.

    `payload` holds the facts (amounts in cents under ``amount_cents``, dates as ISO strings,
    names, numbers): the kind's text renders them when the event is shown, in the reader's
    language (cases/events.py). `body` is text a person wrote, shown as written; never put
    sentences the portal composes in it. `audience` is who reads it; the kind's declaration
    says which audiences it may have (a payment or a reminder is never public, a note is
    staff's only). The participants the workflow tells of `kind` are told
    (cases/participation.py), as far as the audience lets each read it. Raises ValueError for
    a kind the workflow does not declare or has its own service for, an audience the kind may
    not have, or an event with neither text nor payload.
    """
    workflow = get_workflow(case.kind)
    recordable = recordable_event_kinds(workflow)
    if kind not in recordable:
        raise ValueError(
            f"Event kind {kind!r} cannot be recorded on a {workflow.kind} case; "
            f"use one of {sorted(recordable)}."
        )
    declared = recordable[kind]
    if audience not in declared.audiences:
        raise ValueError(
            f"A {kind!r} event cannot be shown to {audience!r}; "
            f"it may be shown to {sorted(declared.audiences)}."
        )
    body = (body or "").strip()
    payload = dict(payload or {})
    if not body and not payload:
        raise ValueError("An event's text cannot be empty.")
    with transaction.atomic():
        event = CaseEvent.objects.create(
            case=case, kind=kind, audience=audience, actor=actor, body=body, payload=payload
        )
        notices.notify_event(case, event=event)
    return event


def stored_files_sweep(
    *, directory: str, model, field: str, older_than: datetime.timedelta, storage=None
) -> int:
    """Delete files under `directory/<folder>/` that no row of `model.field` names any more.

    A file is written before its row (see `document_add`); when an enclosing transaction
    rolls back, or a worker dies in between, the file stays behind with no row pointing to
    it: unreachable, but still a resident's document on disk. Files younger than
    `older_than` are left alone so an upload whose row is not committed yet is never
    touched. Reads one folder at a time, so memory stays flat however many files there are.
    Returns how many files were deleted; running it twice deletes nothing the second time.
    """
    storage = storage or model._meta.get_field(field).storage
    if not storage.exists(directory):
        return 0
    cutoff = timezone.now() - older_than
    deleted = 0
    folders, _files = storage.listdir(directory)
    for folder in folders:
        prefix = f"{directory}/{folder}"
        names = [f"{prefix}/{name}" for name in storage.listdir(prefix)[1]]
        if not names:
            continue
        known = set(
            model._default_manager.filter(**{f"{field}__in": names}).values_list(field, flat=True)
        )
        for name in names:
            if name in known or storage.get_modified_time(name) > cutoff:
                continue
            storage.delete(name)
            deleted += 1
    if deleted:
        logger.warning("Deleted %s stored files under %s that no row named", deleted, directory)
    return deleted


def submission_key_claim(*, case: Case, key) -> bool:
    """Claim `key` for work about to be applied to `case`; False if it was claimed already.

    Call it inside the transaction that applies the work, before applying it: a False means
    the same submission was applied before (a phone sent a kept result again), so the caller
    applies nothing and answers as if it had just done it. The claim commits or rolls back
    with the work. Raises SubmissionKeyTaken for a key already claimed for another case.
    """
    try:
        with transaction.atomic():
            SubmissionKey.objects.create(key=key, case=case)
    except IntegrityError:
        claimed_for = SubmissionKey.objects.filter(key=key).values_list("case_id", flat=True)
        if claimed_for.first() != case.pk:
            raise SubmissionKeyTaken("This submission key belongs to another case.") from None
        return False
    return True
