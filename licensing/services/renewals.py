"""Renewals: a holder (signed in, or through the signed link of a reminder) renews a license.

A renewal is an `Application` of kind "renewal" whose case is a `license_renewal` case
(REN-...), linked to the license it renews. It is sent when its fee is paid; a type that
allows it approves a clean renewal at once, in the payment's transaction, and the license's
new expiry is its old expiry plus the term (renewing early never shortens the term already
paid for). Anything flagged (see `renewal_flags`) waits for a clerk.

Who may act: the holder's account, or, for a license without an account, whoever opened the
signed link (`by_link=True`, checked by the view with `licensing.services.renewal_links`).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases import services as case_services
from cases.links import LinkScope, RevokedReason, links_revoke
from cases.models import CaseEvent, CaseStatus
from cases.questions import rules as question_rules
from cases.questions.models import QuestionKind
from licensing.exceptions import (
    AlreadyPaid,
    ApplicationIncomplete,
    ApplicationNotEditable,
    DecisionForbidden,
    RenewalAlreadyOpen,
    RenewalNotOpen,
)
from licensing.fees import agency_today, end_of_agency_day, renewal_fee
from licensing.models import (
    Application,
    Complaint,
    DisciplinaryAction,
    License,
    LicenseEvent,
    LicenseStatus,
)
from licensing.selectors import questions_for
from licensing.services._locks import lock_application
from licensing.terms import expiry_date
from licensing.workflow import FEE_PAID, LICENSE_RENEWED, RENEWAL_KIND
from payments.models import InvoiceStatus
from payments.services import LineItem, invoice_create, invoice_void
from portal.localized import localized

logger = logging.getLogger(__name__)

PURPOSE_RENEWAL = "licensing.renewal"

# Statuses in which a renewal is still open: a second one is refused meanwhile.
OPEN_RENEWAL_STATUSES = (
    CaseStatus.DRAFT,
    CaseStatus.SUBMITTED,
    CaseStatus.IN_REVIEW,
    CaseStatus.AWAITING_INFO,
)


def _lock_license(license_id: int) -> License:
    return (
        License.objects.select_for_update(of=("self",), no_key=True)
        .select_related("license_type")
        .get(pk=license_id)
    )


def _lock(application: Application) -> Application:
    # Invoice, application, license, always, so two requests never wait on each other
    # crosswise.
    return lock_application(
        application.pk,
        related=("case", "license_type", "renews", "invoice"),
        kind=Application.Kind.RENEWAL,
    )


def _require_holder(license: License, actor, *, by_link: bool) -> None:
    if by_link:
        if license.holder_id is not None:
            raise RenewalNotOpen(_("This license is linked to an account: sign in to renew it."))
        return
    if actor is None or license.holder_id is None or license.holder_id != actor.pk:
        raise RenewalNotOpen(_("Only the license holder can renew it."))


def _require_draft(application: Application, actor, *, by_link: bool) -> None:
    if by_link:
        allowed = application.applicant_id is None
    else:
        allowed = actor is not None and application.applicant_id == actor.pk
    if not allowed:
        raise ApplicationNotEditable(_("Only the license holder can change this renewal."))
    if application.case.status != CaseStatus.DRAFT or application.paid_at is not None:
        raise ApplicationNotEditable(_("This renewal has been sent and cannot be changed."))


def renewal_open_for(*, license: License) -> Application | None:
    """The renewal of `license` still in progress (draft or with the clerks), if any."""
    return (
        Application.objects.filter(
            renews=license,
            kind=Application.Kind.RENEWAL,
            case__status__in=OPEN_RENEWAL_STATUSES,
        )
        .select_related("case")
        .first()
    )


def renewal_start(*, license: License, actor, by_link: bool = False) -> Application:
    """Open (or resume) the renewal of `license`, prefilled from the license.

    An unpaid draft already open is returned as it is. Raises RenewalNotOpen outside the
    renewal window or for someone other than the holder, RenewalAlreadyOpen when a renewal
    is already paid and with the clerks. Nothing is written when it raises.
    """
    with transaction.atomic():
        locked = _lock_license(license.pk)
        _require_holder(locked, actor, by_link=by_link)
        renewal_fee(license=locked)
        current = renewal_open_for(license=locked)
        if current is not None:
            if current.case.status == CaseStatus.DRAFT and current.paid_at is None:
                return current
            raise RenewalAlreadyOpen(
                _("A renewal of this license (%(reference)s) is already being processed.")
                % {"reference": current.case.reference}
            )
        holder = locked.holder
        email = holder.email if holder is not None else locked.holder_email
        if holder is None and not email:
            raise RenewalNotOpen(_("This license has no e-mail address to renew it with."))
        previous = locked.application
        case = case_services.case_create(
            kind=RENEWAL_KIND,
            applicant=holder,
            guest_name=locked.holder_name if holder is None else "",
            guest_email=email if holder is None else "",
            submit=False,
        )
        application = Application.objects.create(
            case=case,
            license_type=locked.license_type,
            kind=Application.Kind.RENEWAL,
            renews=locked,
            applicant=holder,
            holder_name=locked.holder_name,
            business_name=locked.business_name,
            email=email,
            phone=(previous.phone if previous else "") or (holder.phone if holder else "") or "",
            address=previous.address if previous else "",
            step=Application.Step.ABOUT,
        )
    logger.info("Renewal %s of license %s started", application.pk, license.pk)
    return application


def renewal_save(
    *,
    application: Application,
    actor,
    by_link: bool = False,
    holder_name: str,
    email: str,
    address: str,
    business_name: str = "",
    phone: str = "",
    answers: dict,
    uploads: dict | None = None,
) -> Application:
    """Save the holder's confirmed details and the answers to the type's renewal attestations.

    Every answer is checked against its question's type on the server; a file attestation's
    upload is checked by content and size. Raises ApplicationIncomplete with the errors by
    question code, DocumentRejected for a bad file, ApplicationNotEditable; nothing is saved
    when it raises.
    """
    uploads = uploads or {}
    with transaction.atomic():
        locked = _lock(application)
        _require_draft(locked, actor, by_link=by_link)
        questions = questions_for(application=locked)
        merged = dict(answers)
        for question in questions:
            if question.kind == QuestionKind.FILE and question.code not in uploads:
                merged.setdefault(question.code, locked.answers.get(question.code))
        kept, errors = question_rules.answers_clean(questions, merged)
        for question in questions:
            upload = uploads.get(question.code)
            if upload is None or question.kind != QuestionKind.FILE:
                continue
            if not question_rules.is_asked(question, kept):
                continue
            document = case_services.document_add(
                case=locked.case, uploaded_by=locked.applicant, upload=upload
            )
            kept[question.code] = {"document_id": document.pk, "name": document.original_name}
            errors.pop(question.code, None)
        if not (holder_name or "").strip():
            errors["holder_name"] = _("Enter your full name.")
        if not (email or "").strip():
            errors["email"] = _("Enter your e-mail address.")
        if not (address or "").strip():
            errors["address"] = _("Enter your address.")
        if errors:
            raise ApplicationIncomplete(errors)
        locked.holder_name = holder_name.strip()
        locked.business_name = (business_name or "").strip()
        locked.email = email.strip()
        locked.phone = phone or ""
        locked.address = address.strip()
        locked.answers = kept
        locked.step = Application.Step.CHECK
        locked.save()
    return locked


def renewal_problems(*, application: Application) -> list[str]:
    """What still stops the renewal from being paid, in the holder's words (empty: ready)."""
    problems = []
    if application.step != Application.Step.CHECK or not application.holder_name:
        problems.append(_("Confirm your details and answer the renewal questions."))
    else:
        errors = question_rules.answers_clean(
            questions_for(application=application), application.answers
        )[1]
        if errors:
            problems.append(_("Answer every renewal question that applies to you."))
    return problems


def renewal_flags(*, application: Application) -> list[str]:
    """Why this renewal needs a clerk, in the clerk's words (empty: it is clean).

    Flagged: an attestation answered the way its type marks for review (for a file
    attestation so marked, any upload); a suspended license; an open complaint against it; a
    suspension in force or an unpaid fine (enforcement's disciplinary actions).
    """
    flags = []
    for question in questions_for(application=application):
        if not question.review_answer or not question_rules.is_asked(question, application.answers):
            continue
        answer = application.answers.get(question.code)
        if question.kind == QuestionKind.FILE:
            if answer:
                flags.append(_("Document to review: %(label)s") % {"label": question.label})
        elif question_rules.answer_matches(answer, question.review_answer):
            flags.append(
                _("“%(label)s” answered “%(answer)s”.")
                % {
                    "label": question.label,
                    "answer": question_rules.answer_display(question, answer),
                }
            )
    license = application.renews
    if license.status == LicenseStatus.SUSPENDED:
        flags.append(_("The license is suspended."))
    if Complaint.objects.filter(license=license, case__closed_at__isnull=True).exists():
        flags.append(_("A complaint against the license is open."))
    today = agency_today()
    actions = DisciplinaryAction.objects.filter(license=license)
    if actions.filter(
        kind=DisciplinaryAction.Kind.SUSPENSION, starts_on__lte=today, ends_on__gt=today
    ).exists():
        flags.append(_("A suspension is in force."))
    if actions.filter(
        kind=DisciplinaryAction.Kind.FINE, invoice__status=InvoiceStatus.OPEN
    ).exists():
        flags.append(_("A fine is unpaid."))
    return flags


def renewal_request_payment(*, application: Application, actor, by_link: bool = False):
    """Check the renewal is complete and in its window, and issue the invoice for today's fee.

    The fee is the renewal fee, plus the late fee from the expiry date to the end of the grace
    period (agency dates). The invoice expires at the end of the last day its amount holds, so
    a renewal priced on time cannot be paid late at the on-time price. Asking again returns
    the same open invoice. Raises ApplicationIncomplete, RenewalNotOpen, AlreadyPaid,
    ApplicationNotEditable; nothing is written when it raises.
    """
    with transaction.atomic():
        locked = _lock(application)
        if locked.paid_at is not None:
            raise AlreadyPaid(_("The fee for this renewal is already paid."))
        _require_draft(locked, actor, by_link=by_link)
        problems = renewal_problems(application=locked)
        if problems:
            raise ApplicationIncomplete(problems)
        license = _lock_license(locked.renews_id)
        fee = renewal_fee(license=license)
        invoice = locked.invoice
        if invoice is not None:
            if invoice.status in (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_REFUNDED):
                raise AlreadyPaid(_("The fee for this renewal is already paid."))
            if (
                invoice.status == InvoiceStatus.OPEN
                and invoice.total_cents == fee.total_cents
                and (invoice.expires_at is None or invoice.expires_at > timezone.now())
            ):
                return invoice
            if invoice.status == InvoiceStatus.OPEN:
                invoice_void(invoice=invoice)
        lines = [LineItem(_("Renewal fee"), fee.renewal_cents)]
        if fee.late:
            lines.append(LineItem(_("Late fee (renewed after expiry)"), fee.late_cents))
        invoice = invoice_create(
            purpose=PURPOSE_RENEWAL,
            description=_("%(type)s %(number)s: renewal %(reference)s")
            % {
                "type": localized(locked.license_type, "name"),
                "number": license.number,
                "reference": locked.case.reference,
            },
            lines=lines,
            payer=locked.applicant,
            guest_name=locked.holder_name if locked.applicant_id is None else "",
            guest_email=locked.email if locked.applicant_id is None else "",
            subject=locked,
            expires_at=end_of_agency_day(fee.valid_until),
            notify=False,
        )
        locked.invoice = invoice
        locked.fee_cents = fee.total_cents
        locked.save(update_fields=["invoice", "fee_cents", "updated_at"])
    return invoice


def _renew(application: Application, *, actor=None, note: str = "", reason: str = "") -> License:
    """Extend the license by one term from its current expiry and close the renewal approved,
    as `actor` (the clerk who decided, or None when approved automatically).

    Called with the application locked, inside the caller's transaction.
    """
    license = _lock_license(application.renews_id)
    old_expiry = license.expires_on
    license.expires_on = expiry_date(
        issued_on=old_expiry, term_months=application.license_type.term_months
    )
    if license.status in (LicenseStatus.EXPIRED, LicenseStatus.LAPSED):
        license.status = LicenseStatus.ACTIVE
    if license.holder_id is None and application.applicant_id is not None:
        license.holder_id = application.applicant_id
    license.holder_name = application.holder_name or license.holder_name
    license.business_name = application.business_name
    if license.holder_id is None:
        license.holder_email = application.email
    license.save(
        update_fields=[
            "expires_on",
            "status",
            "holder",
            "holder_name",
            "business_name",
            "holder_email",
            "updated_at",
        ]
    )
    LicenseEvent.objects.create(
        license=license, kind=LicenseEvent.Kind.RENEWED, expires_on=license.expires_on
    )
    # The reminders' links were for the term just renewed: the next term's reminders bring
    # their own.
    links_revoke(target=license, scope=LinkScope.RENEW, reason=RevokedReason.SUPERSEDED)
    case_services.transition(
        case=application.case,
        to_status=CaseStatus.APPROVED,
        actor=actor,
        note=note,
        public_note=reason,
    )
    case_services.case_record_event(
        case=application.case,
        kind=LICENSE_RENEWED,
        payload={"number": license.number, "expires_on": license.expires_on.isoformat()},
        audience=CaseEvent.Audience.PARTICIPANTS,
    )
    application.decision_reason = reason
    application.save(update_fields=["decision_reason", "updated_at"])
    logger.info("License %s renewed by application %s", license.pk, application.pk)
    return license


def renewal_mark_paid(*, application_id: int) -> Application:
    """Record the paid fee, send the renewal, and approve it at once if it is clean.

    Called by the payments receiver in the payment's transaction. A clean renewal (nothing in
    `renewal_flags`) of a type with automatic approval extends the license now; any other is
    left with the clerks, with the flags in an internal note. A second call changes nothing.
    """
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",), no_key=True)
            .select_related("case", "license_type", "renews")
            .get(pk=application_id, kind=Application.Kind.RENEWAL)
        )
        if locked.paid_at is not None:
            return locked
        locked.paid_at = timezone.now()
        locked.save(update_fields=["paid_at", "updated_at"])
        case_services.case_record_event(
            case=locked.case,
            kind=FEE_PAID,
            payload={"fee": "renewal"},
            audience=CaseEvent.Audience.PARTICIPANTS,
        )
        if locked.case.status != CaseStatus.DRAFT:
            return locked
        case_services.transition(case=locked.case, to_status=CaseStatus.SUBMITTED, actor=None)
        flags = renewal_flags(application=locked)
        if locked.license_type.auto_approve_renewals and not flags:
            _renew(locked, note=_("Approved automatically: nothing needed review."))
        elif flags:
            case_services.case_record_event(
                case=locked.case,
                kind=CaseEvent.Kind.NOTE,
                body=_("Needs review: %(flags)s") % {"flags": " ".join(flags)},
                audience=CaseEvent.Audience.STAFF,
            )
    logger.info("Renewal %s paid", application_id)
    return locked


def _require_clerk(application: Application, actor) -> None:
    permissions.require(
        actor,
        permissions.MOVE,
        application.case,
        exception=DecisionForbidden,
        message=_("Only staff whose role allows it can decide on renewals."),
    )
    if application.applicant_id == actor.pk or application.renews.holder_id == actor.pk:
        raise DecisionForbidden(_("Nobody decides on their own renewal."))


def renewal_approve(*, application: Application, actor, reason: str = "") -> License:
    """A clerk approves the renewal: the license is extended by one term from its expiry.

    Raises DecisionForbidden, TransitionNotAllowed (not with the clerks, or decided already).
    """
    with transaction.atomic():
        locked = _lock(application)
        _require_clerk(locked, actor)
        return _renew(locked, actor=actor, reason=(reason or "").strip())


def renewal_deny(*, application: Application, actor, reason: str) -> Application:
    """A clerk refuses the renewal, with a reason the holder reads. The license is unchanged.

    Raises DecisionForbidden, ValueError without a reason, TransitionNotAllowed.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(_("Give the holder a reason."))
    with transaction.atomic():
        locked = _lock(application)
        _require_clerk(locked, actor)
        case_services.transition(
            case=locked.case,
            to_status=CaseStatus.DENIED,
            actor=actor,
            public_note=reason,
        )
        locked.decision_reason = reason
        locked.save(update_fields=["decision_reason", "updated_at"])
    return locked


def renewal_discard(*, application: Application, actor, by_link: bool = False) -> Application:
    """Discard an unpaid renewal draft (its open invoice is voided)."""
    with transaction.atomic():
        locked = _lock(application)
        _require_draft(locked, actor, by_link=by_link)
        if locked.invoice_id is not None and locked.invoice.status == InvoiceStatus.OPEN:
            invoice_void(invoice=locked.invoice)
        case_services.transition(
            case=locked.case,
            to_status=CaseStatus.CANCELLED,
            # The workflow's move is the system's: the applicant was checked above.
            actor=None,
        )
    return locked


def licenses_link_account(*, user, email: str) -> int:
    """Give `user` the licenses without an account whose holder e-mail is `email`.

    Called once the address is verified: whoever controls it is the holder the reminders
    (and their signed links) were sent to. Returns how many licenses were linked.
    """
    email = (email or "").strip()
    if not email or user is None:
        return 0
    with transaction.atomic():
        # Primary-key order, so two verifications at once lock in the same order.
        licenses = list(
            License.objects.select_for_update(no_key=True)
            .filter(holder__isnull=True, holder_email__iexact=email)
            .order_by("pk")
        )
        for license in licenses:
            license.holder = user
            license.save(update_fields=["holder", "updated_at"])
            LicenseEvent.objects.create(
                license=license, kind=LicenseEvent.Kind.LINKED, expires_on=license.expires_on
            )
    if licenses:
        logger.info("%s licenses linked to account %s", len(licenses), user.pk)
    return len(licenses)
