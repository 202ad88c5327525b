"""Enforcement: complaints against licensees, and the disciplinary actions staff record.

A complaint is a case of its own (kind "license_complaint") linked to the license; staff
work it in the case back office. A disciplinary action changes the license's status in the
same transaction (a suspension suspends it, a revocation revokes it for good), and a fine is
billed to the holder through `payments.services.invoice_create`. Suspensions end by
`suspensions_end`, run daily; it is safe to run any number of times.
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases import services as case_services
from cases.exceptions import SubmissionKeyTaken
from cases.models import CaseEvent
from cases.selectors import submission_key_made
from licensing.exceptions import DisciplineRefused
from licensing.models import Complaint, DisciplinaryAction, License, LicenseEvent, LicenseStatus
from licensing.terms import grace_ends_on
from licensing.verification import verify_url
from licensing.workflow import ACTION_TAKEN, COMPLAINT_FILED, KIND_COMPLAINT, LICENSE_COMPLAINT
from notifications.services import notification_send
from payments.money import format_cents
from payments.services import LineItem, invoice_create

logger = logging.getLogger(__name__)

PURPOSE_FINE = "licensing.fine"

Kind = DisciplinaryAction.Kind


def complaint_file(
    *,
    license: License,
    details: str,
    occurred_on: datetime.date | None = None,
    user=None,
    guest_name: str = "",
    guest_email: str = "",
    submission: uuid.UUID | None = None,
) -> Complaint:
    """File a complaint about `license` by a signed-in `user` or a guest (name and e-mail).

    Opens a submitted "license_complaint" case (the complainant is told it was received)
    and links it to the license. Raises ValueError without details, or for a guest without
    a name or an e-mail address. With the `submission` key of the form that sent it, the
    same form sent again returns the complaint it filed and files nothing: the key is claimed
    for the complaint's case in the shared table (`cases.services.submission_key_claim`), in
    the transaction that files it, so two copies at once file one too. Raises
    SubmissionKeyTaken (nothing filed) for a key that was sent with something else, such as a
    complaint about another license.
    """
    details = (details or "").strip()
    if not details:
        raise ValueError(_("Tell us what happened."))
    if user is None and not ((guest_name or "").strip() and (guest_email or "").strip()):
        raise ValueError(_("Give your name and e-mail address so we can reply."))
    if submission is not None:
        sent = _complaint_sent_with(submission, license=license)
        if sent is not None:
            return sent
    try:
        return _complaint_open(
            license=license,
            details=details,
            occurred_on=occurred_on,
            user=user,
            guest_name=guest_name,
            guest_email=guest_email,
            submission=submission,
        )
    except SubmissionKeyTaken:
        # The same form, sent at the same moment, won the race: its complaint is the one.
        sent = _complaint_sent_with(submission, license=license)
        if sent is None:
            raise
        return sent


def _complaint_sent_with(key: uuid.UUID, *, license: License) -> Complaint | None:
    """The complaint about `license` the form with `key` filed already (cases.selectors)."""
    return submission_key_made(key, made=Complaint.objects.filter(license=license))


def _complaint_open(
    *, license, details, occurred_on, user, guest_name, guest_email, submission
) -> Complaint:
    with transaction.atomic():
        case = case_services.case_create(
            kind=KIND_COMPLAINT,
            applicant=user,
            guest_name="" if user else guest_name,
            guest_email="" if user else guest_email,
        )
        if submission is not None:
            # A new case: the claim fails only when the key was claimed meanwhile.
            case_services.submission_key_claim(case=case, key=submission)
        complaint = Complaint.objects.create(
            case=case, license=license, details=details, occurred_on=occurred_on
        )
        # The investigator's queue is the case back office: the complaint's own words are on
        # the case's timeline there, and the complainant reads them back on their case page.
        case_services.case_record_event(
            case=case,
            kind=CaseEvent.Kind.NOTE,
            body=_("Complaint about license %(number)s (%(holder)s).")
            % {"number": license.number, "holder": license.holder_name},
            audience=CaseEvent.Audience.STAFF,
        )
        case_services.case_record_event(
            case=case,
            kind=COMPLAINT_FILED,
            payload=_complaint_payload(complaint),
            body=complaint.details,
            audience=CaseEvent.Audience.PARTICIPANTS,
            actor=user,
        )
    logger.info("Complaint %s filed against license %s", complaint.pk, license.pk)
    return complaint


def _complaint_payload(complaint: Complaint) -> dict:
    """The facts of a complaint, worded when shown (licensing.workflow)."""
    license = complaint.license
    return {
        "holder": license.holder_name,
        # The type's name in both languages: the event is worded in its reader's.
        "license_type": str(license.license_type.name),
        "license_type_es": license.license_type.name_es,
        "number": license.number,
        "occurred_on": complaint.occurred_on.isoformat() if complaint.occurred_on else "",
    }


def _status_after_suspension(license: License, today: datetime.date) -> str:
    """What a license is once no suspension holds it: by its dates, as if never suspended."""
    if today < license.expires_on:
        return LicenseStatus.ACTIVE
    grace_end = grace_ends_on(
        expires_on=license.expires_on, grace_days=license.license_type.grace_days
    )
    return LicenseStatus.EXPIRED if today <= grace_end else LicenseStatus.LAPSED


def disciplinary_action_record(
    *,
    license: License,
    actor,
    kind: str,
    public: bool = True,
    public_summary: str = "",
    internal_note: str = "",
    ends_on: datetime.date | None = None,
    fine_cents: int | None = None,
    complaint: Complaint | None = None,
) -> DisciplinaryAction:
    """Record a warning, fine, suspension or revocation against `license`, from today.

    The license's status follows in the same transaction: a suspension suspends it until
    `ends_on`, a revocation revokes it for good. A fine of `fine_cents` is invoiced to the
    holder (their account, else their e-mail address), who is told with a link to pay. A
    public action needs a `public_summary`: the lookup and the verification page show it.
    With a `complaint` (of this license), its case's timeline records the action. The holder
    is told of a warning, suspension or revocation (a notification, sent after commit).

    Raises DisciplineRefused (not staff, a revoked license, a suspension of a license that is
    not in force, a fine nobody can be billed for, a complaint of another license) and
    ValueError for missing or impossible values; nothing changes then.
    """
    permissions.require(
        actor,
        permissions.MOVE,
        complaint.case if complaint is not None else LICENSE_COMPLAINT.department_code,
        exception=DisciplineRefused,
        message=_("Only staff whose role allows it can record disciplinary actions."),
    )
    if kind not in Kind.values:
        raise ValueError(_("Choose a warning, a fine, a suspension or a revocation."))
    public_summary = (public_summary or "").strip()
    if public and not public_summary:
        raise ValueError(_("Write the summary the public will read, or make the action private."))
    today = timezone.localdate()
    if kind == Kind.SUSPENSION:
        if ends_on is None or ends_on <= today:
            raise ValueError(_("A suspension needs an end date after today."))
    elif ends_on is not None:
        raise ValueError(_("Only a suspension has an end date."))
    if kind == Kind.FINE:
        if not fine_cents or fine_cents <= 0:
            raise ValueError(_("A fine needs an amount above zero."))
    elif fine_cents is not None:
        raise ValueError(_("Only a fine has an amount."))
    if complaint is not None and complaint.license_id != license.pk:
        raise DisciplineRefused(_("That complaint is about another license."))

    with transaction.atomic():
        locked = (
            License.objects.select_for_update(of=("self",), no_key=True)
            .select_related("license_type", "holder")
            .get(pk=license.pk)
        )
        if locked.status == LicenseStatus.REVOKED:
            raise DisciplineRefused(_("This license is revoked: no further action can be taken."))
        if kind == Kind.SUSPENSION and locked.status not in (
            LicenseStatus.ACTIVE,
            LicenseStatus.SUSPENDED,
        ):
            raise DisciplineRefused(
                _("Only a license in force can be suspended; this one is %(status)s.")
                % {"status": locked.get_status_display().lower()}
            )
        invoice = None
        if kind == Kind.FINE:
            invoice = _fine_invoice(locked, fine_cents, public_summary or internal_note)
        action = DisciplinaryAction.objects.create(
            license=locked,
            complaint=complaint,
            kind=kind,
            starts_on=today,
            ends_on=ends_on,
            fine_cents=fine_cents,
            invoice=invoice,
            public=public,
            public_summary=public_summary,
            internal_note=(internal_note or "").strip(),
            recorded_by=actor,
        )
        if kind == Kind.SUSPENSION:
            locked.status = LicenseStatus.SUSPENDED
        elif kind == Kind.REVOCATION:
            locked.status = LicenseStatus.REVOKED
        locked.save(update_fields=["status", "updated_at"])
        LicenseEvent.objects.create(
            license=locked,
            kind=LicenseEvent.Kind.DISCIPLINE,
            expires_on=locked.expires_on,
            action=action,
        )
        if complaint is not None:
            _record_on_complaint(complaint, action, actor)
        if kind != Kind.FINE:  # a fine's invoice tells the holder, with the link to pay
            _notify_holder(locked, action)
    license.status = locked.status
    logger.info("Disciplinary action %s (%s) on license %s", action.pk, kind, license.pk)
    return action


def _fine_invoice(license: License, fine_cents: int, reason: str):
    if license.holder_id is None and not license.holder_email:
        raise DisciplineRefused(
            _("This holder has no account or e-mail address to send the fine to.")
        )
    return invoice_create(
        purpose=PURPOSE_FINE,
        description=_("Fine: license %(number)s") % {"number": license.number},
        lines=[LineItem(_("Fine: %(reason)s") % {"reason": reason[:150]}, fine_cents)],
        payer=license.holder,
        guest_name=license.holder_name if license.holder_id is None else "",
        guest_email=license.holder_email if license.holder_id is None else "",
        subject=license,
        due_date=timezone.localdate() + datetime.timedelta(days=30),
    )


def _notify_holder(license: License, action: DisciplinaryAction) -> None:
    """Tell the holder (their account, else their e-mail address) in the same transaction."""
    if license.holder_id is None and not license.holder_email:
        return
    link = (
        f"{settings.SITE_URL}{license.get_absolute_url()}"
        if license.holder_id is not None
        else verify_url(license=license)
    )
    notification_send(
        template_key="licensing/disciplinary_action",
        context={
            "kind": action.kind,
            "license_number": license.number,
            "license_type": license.license_type.name,
            "holder_name": license.holder_name,
            "ends_on": action.ends_on.isoformat() if action.ends_on else "",
            "public": action.public,
            "public_summary": action.public_summary,
        },
        dedupe_key=f"licensing.action:{action.pk}",
        user=license.holder,
        email="" if license.holder_id is not None else license.holder_email,
        link_url=link,
    )


def _record_on_complaint(complaint: Complaint, action: DisciplinaryAction, actor) -> None:
    what = action.get_kind_display()
    if action.kind == Kind.FINE:
        what = f"{what} ({format_cents(action.fine_cents, settings.AGENCY['currency'])})"
    case_services.case_record_event(
        case=complaint.case,
        kind=CaseEvent.Kind.NOTE,
        body=_("Disciplinary action recorded by %(clerk)s: %(what)s.")
        % {"clerk": actor, "what": what},
        audience=CaseEvent.Audience.STAFF,
        actor=actor,
    )
    if action.public:
        case_services.case_record_event(
            case=complaint.case,
            kind=ACTION_TAKEN,
            payload={"summary": action.public_summary, "action": action.kind},
            audience=CaseEvent.Audience.PARTICIPANTS,
            actor=actor,
        )


def suspensions_end(*, today: datetime.date | None = None) -> int:
    """Give back their status to suspended licenses whose every suspension has ended.

    A license no suspension holds on `today` (default: the agency's today) becomes active,
    or expired or lapsed if its dates have passed meanwhile. Revoked licenses are never
    touched. Returns how many licenses changed; a second run the same day changes none.
    """
    today = today or timezone.localdate()
    holding = DisciplinaryAction.objects.filter(
        kind=Kind.SUSPENSION, starts_on__lte=today, ends_on__gt=today
    ).values("license_id")
    due = list(
        License.objects.filter(status=LicenseStatus.SUSPENDED)
        .exclude(pk__in=holding)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    changed = 0
    for license_id in due:
        with transaction.atomic():
            # Re-read under the lock: an action recorded meanwhile (a new suspension, a
            # revocation) wins over this run.
            locked = (
                License.objects.select_for_update(of=("self",), no_key=True, skip_locked=True)
                .select_related("license_type")
                .filter(pk=license_id, status=LicenseStatus.SUSPENDED)
                .exclude(pk__in=holding)
                .first()
            )
            if locked is None:
                continue
            locked.status = _status_after_suspension(locked, today)
            locked.save(update_fields=["status", "updated_at"])
            LicenseEvent.objects.create(
                license=locked, kind=LicenseEvent.Kind.REINSTATED, expires_on=locked.expires_on
            )
            changed += 1
    if changed:
        logger.info("%s suspensions ended", changed)
    return changed
