"""Applications: drafts page by page, payment, the review, and the license issued.

Each function is one transaction. Status moves go through `cases.services.transition`; fees
become invoices through `payments.services.invoice_create`, and a paid invoice comes back
through `licensing.receivers` to `application_mark_paid`.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases import services as case_services
from cases.actors import actor_role
from cases.models import CaseEvent, CaseStatus
from cases.questions import rules as question_rules
from cases.questions.completeness import (
    documents_missing,
    pages_not_checked,
    questions_unanswered,
)
from cases.questions.models import DocumentRequirement, QuestionKind
from cases.references import reference_allocate
from cases.workflow import APPLICANT
from licensing.exceptions import (
    AlreadyPaid,
    ApplicationIncomplete,
    ApplicationNotEditable,
    DecisionForbidden,
)
from licensing.models import Application, ApplicationDocument, License, LicenseType
from licensing.selectors import application_draft_of, license_type_content_type, questions_for
from licensing.services._locks import lock_application
from licensing.terms import expiry_date
from licensing.workflow import FEE_PAID, KIND, LICENSE_ISSUED
from payments.models import InvoiceStatus
from payments.services import LineItem, invoice_create
from portal.localized import localized

logger = logging.getLogger(__name__)

PURPOSE_APPLICATION = "licensing.application"


def _lock(application: Application) -> Application:
    return lock_application(application.pk, related=("case", "license_type"))


def _require_applicant_draft(application: Application, actor) -> None:
    if actor is None or actor_role(case=application.case, actor=actor) != APPLICANT:
        raise ApplicationNotEditable(_("Only the applicant can change this application."))
    if application.case.status != CaseStatus.DRAFT or application.paid_at is not None:
        raise ApplicationNotEditable(_("This application has been sent and cannot be changed."))


def _require_clerk(application: Application, actor) -> None:
    permissions.require(
        actor,
        permissions.MOVE,
        application.case,
        exception=DecisionForbidden,
        message=_("Only staff whose role allows it can decide on applications."),
    )
    if application.applicant_id == actor.pk:
        raise DecisionForbidden(_("Nobody decides on their own application."))


def _open_draft(*, license_type: LicenseType, applicant) -> Application | None:
    return application_draft_of(user=applicant, license_type=license_type)


def application_start(*, license_type: LicenseType, applicant) -> Application:
    """Open a draft application of `license_type` for `applicant`, prefilled from the account,
    or return the draft of that type they have already started.

    The draft is a case (reference allocated now) that is sent only when its fee is paid.
    Two starts at once end on one draft: the database allows one per applicant and type
    (`licensing_application_one_draft_per_type`), and the start that loses returns the
    winner's. Raises ValueError if the type is not open for applications.
    """
    if not license_type.active or not license_type.published:
        raise ValueError(_("This license type is not open for applications."))
    existing = _open_draft(license_type=license_type, applicant=applicant)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            case = case_services.case_create(kind=KIND, applicant=applicant, submit=False)
            application = Application.objects.create(
                case=case,
                license_type=license_type,
                applicant=applicant,
                holder_name=applicant.full_name,
                email=applicant.email,
                phone=applicant.phone or "",
                fee_cents=license_type.application_fee_cents,
            )
    except IntegrityError:
        existing = _open_draft(license_type=license_type, applicant=applicant)
        if existing is None:
            raise
        return existing
    logger.info("License application %s started", application.pk)
    return application


def application_save_about(
    *,
    application: Application,
    actor,
    holder_name: str,
    business_name: str = "",
    email: str,
    phone: str = "",
    address: str = "",
) -> Application:
    """Save the "about you" page of a draft. Raises ApplicationNotEditable."""
    with transaction.atomic():
        locked = _lock(application)
        _require_applicant_draft(locked, actor)
        locked.holder_name = holder_name.strip()
        locked.business_name = business_name.strip()
        locked.email = email.strip()
        locked.phone = phone or ""
        locked.address = address.strip()
        locked.step = Application.Step.QUESTIONS
        locked.typed.pop(Application.Step.ABOUT, None)
        locked.save()
    return locked


def application_save_answers(
    *, application: Application, actor, answers: dict, uploads: dict | None = None
) -> Application:
    """Save the type's questions on a draft, after checking every answer on the server.

    `answers` maps question codes to JSON-form values (see cases.questions.rules); `uploads`
    maps file questions' codes to uploaded files, which are checked and attached to the case.
    Answers to questions not asked are dropped. Raises ApplicationIncomplete with the errors
    by question code (nothing saved), DocumentRejected for a bad file, ApplicationNotEditable.
    """
    uploads = uploads or {}
    with transaction.atomic():
        locked = _lock(application)
        _require_applicant_draft(locked, actor)
        questions = questions_for(application=locked)
        merged = dict(answers)
        for question in questions:
            if question.kind == QuestionKind.FILE and question.code not in uploads:
                # A file already given stays unless a new one replaces it.
                merged.setdefault(question.code, locked.answers.get(question.code))
        kept, errors = question_rules.answers_clean(questions, merged)
        for question in questions:
            upload = uploads.get(question.code)
            if upload is None or question.kind != QuestionKind.FILE:
                continue
            if not question_rules.is_asked(question, kept):
                continue
            document = case_services.document_add(
                case=locked.case, uploaded_by=actor, upload=upload
            )
            kept[question.code] = {"document_id": document.pk, "name": document.original_name}
            errors.pop(question.code, None)
        if errors:
            raise ApplicationIncomplete(errors)
        locked.answers = kept
        locked.step = Application.Step.DOCUMENTS
        locked.typed.pop(Application.Step.QUESTIONS, None)
        locked.save()
    return locked


# The pages whose values "Save and come back later" may keep unchecked.
TYPED_PAGES = (Application.Step.ABOUT, Application.Step.QUESTIONS)
# A value longer than any field of these pages accepts is cut here, so what is kept stays
# bounded; the forms' own limits are far below it. The choices ticked for one question
# count together: a made-up send may carry hundreds of them.
TYPED_VALUE_MAX = 5000


def application_keep_typed(*, application: Application, actor, page: str, values: dict):
    """Keep what the resident typed on `page` without checking it ("Save and come back later").

    `values` maps the page's field names to the text typed (a list for several choices).
    The values are shown again when the page is opened and checked when it is continued;
    until then `application_problems` stops the draft from being sent. Raises
    ApplicationNotEditable, ValueError for a page without typed values.
    """
    if page not in TYPED_PAGES:
        raise ValueError(f"Page {page!r} keeps no typed values.")

    def bounded(value):
        if not isinstance(value, list):
            return str(value)[:TYPED_VALUE_MAX]
        kept, room = [], TYPED_VALUE_MAX
        for item in value:
            if room <= 0:
                break
            item = str(item)[:room]
            kept.append(item)
            room -= max(len(item), 1)  # an empty item counts, or there could be any number
        return kept

    with transaction.atomic():
        locked = _lock(application)
        _require_applicant_draft(locked, actor)
        locked.typed[page] = {str(name): bounded(value) for name, value in values.items()}
        locked.save(update_fields=["typed", "updated_at"])
    return locked


def application_add_document(
    *, application: Application, actor, requirement: DocumentRequirement, upload
) -> ApplicationDocument:
    """Attach `upload` to the draft as `requirement` (checked by content and size).

    Raises DocumentRejected for a bad file, ApplicationNotEditable, ValueError for a
    requirement of another type.
    """
    if requirement.owner_id != application.license_type_id or requirement.owner_type_id != (
        license_type_content_type().pk
    ):
        raise ValueError("That document is not asked for by this license type.")
    with transaction.atomic():
        locked = _lock(application)
        _require_applicant_draft(locked, actor)
        document = case_services.document_add(case=locked.case, uploaded_by=actor, upload=upload)
        supplied = ApplicationDocument.objects.create(
            application=locked, requirement=requirement, document=document
        )
        if locked.step == Application.Step.DOCUMENTS:
            locked.step = Application.Step.CHECK
            locked.save(update_fields=["step", "updated_at"])
    return supplied


def application_problems(*, application: Application) -> list[str]:
    """What still stops the draft from being sent, in the resident's words (empty: ready)."""
    problems = []
    if not application.holder_name or not (application.email or application.applicant_id):
        problems.append(_("Tell us about you: your name and e-mail address."))
    problems += [
        message
        for _page, message in pages_not_checked(
            typed=application.typed, pages=Application.Step.choices
        )
    ]
    problems += questions_unanswered(
        questions=questions_for(application=application), answers=application.answers
    )
    supplied = set(application.supplied_documents.values_list("requirement_id", flat=True))
    problems += documents_missing(owner=application.license_type, supplied=supplied)
    return problems


def application_request_payment(*, application: Application, actor):
    """Check the draft is complete and issue its fee's invoice (or return the open one).

    Asking twice returns the same open invoice: there is never a second invoice to pay.
    Raises ApplicationIncomplete (with what is missing), AlreadyPaid, ApplicationNotEditable.
    """
    with transaction.atomic():
        locked = _lock(application)
        if locked.paid_at is not None:
            raise AlreadyPaid(_("The fee for this application is already paid."))
        _require_applicant_draft(locked, actor)
        problems = application_problems(application=locked)
        if problems:
            raise ApplicationIncomplete(problems)
        if locked.invoice_id is not None:
            if locked.invoice.status == InvoiceStatus.OPEN:
                return locked.invoice
            if locked.invoice.status in (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_REFUNDED):
                raise AlreadyPaid(_("The fee for this application is already paid."))
        license_type = locked.license_type
        invoice = invoice_create(
            purpose=PURPOSE_APPLICATION,
            description=_("%(type)s: application %(reference)s")
            % {"type": localized(license_type, "name"), "reference": locked.case.reference},
            lines=[LineItem(_("Application fee"), locked.fee_cents)],
            payer=locked.applicant,
            guest_name=locked.holder_name if locked.applicant_id is None else "",
            guest_email=locked.email if locked.applicant_id is None else "",
            subject=locked,
            notify=False,
        )
        locked.invoice = invoice
        locked.step = Application.Step.CHECK
        locked.save(update_fields=["invoice", "step", "updated_at"])
    return invoice


def application_mark_paid(*, application_id: int) -> Application:
    """Record that the fee is paid and send the application to the clerks.

    Called by the payments receiver in the payment's transaction. A second call changes
    nothing.
    """
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",), no_key=True)
            .select_related("case", "license_type")
            .get(pk=application_id)
        )
        if locked.paid_at is not None:
            return locked
        locked.paid_at = timezone.now()
        locked.save(update_fields=["paid_at", "updated_at"])
        case_services.case_record_event(
            case=locked.case,
            kind=FEE_PAID,
            payload={"fee": "application"},
            audience=CaseEvent.Audience.PARTICIPANTS,
        )
        if locked.case.status == CaseStatus.DRAFT:
            # The type's page promises a decision within its review target: one number for
            # the promise and the case's due date.
            case_services.transition(
                case=locked.case,
                to_status=CaseStatus.SUBMITTED,
                actor=None,
                target_days=locked.license_type.review_target_days,
            )
    logger.info("License application %s paid", application_id)
    return locked


def application_discard(*, application: Application, actor) -> Application:
    """Discard an unpaid draft (its open invoice is voided). Raises ApplicationNotEditable."""
    from payments.services import invoice_void

    with transaction.atomic():
        locked = _lock(application)
        _require_applicant_draft(locked, actor)
        if locked.invoice_id is not None and locked.invoice.status == InvoiceStatus.OPEN:
            invoice_void(invoice=locked.invoice)
        case_services.transition(case=locked.case, to_status=CaseStatus.CANCELLED, actor=actor)
        locked.discarded_at = timezone.now()
        locked.save(update_fields=["discarded_at", "updated_at"])
    return locked


def application_request_info(*, application: Application, actor, message: str) -> Application:
    """Ask the resident for more: the case waits for them and they get the clerk's message.

    Raises DecisionForbidden, ValueError for an empty message, TransitionNotAllowed if the
    application is not with the clerks.
    """
    _require_clerk(application, actor)
    message = (message or "").strip()
    if not message:
        raise ValueError(_("Say what you need from the applicant."))
    with transaction.atomic():
        locked = _lock(application)
        case_services.transition(
            case=locked.case,
            to_status=CaseStatus.AWAITING_INFO,
            actor=actor,
        )
        case_services.case_message_resident(case=locked.case, author=actor, body=message)
    return locked


def license_number_allocate(*, license_type: LicenseType) -> str:
    return reference_allocate(prefix=license_type.number_prefix)


def application_approve(*, application: Application, actor, reason: str = "") -> License:
    """Approve the application and issue its license, dated today for the type's term.

    Raises DecisionForbidden, TransitionNotAllowed (not with the clerks, or decided already).
    """
    _require_clerk(application, actor)
    with transaction.atomic():
        locked = _lock(application)
        case_services.transition(
            case=locked.case,
            to_status=CaseStatus.APPROVED,
            actor=actor,
            public_note=(reason or "").strip(),
        )
        issued_on = timezone.localdate()
        license_type = locked.license_type
        license = License.objects.create(
            number=license_number_allocate(license_type=license_type),
            license_type=license_type,
            holder=locked.applicant,
            holder_name=locked.holder_name,
            business_name=locked.business_name,
            holder_email=locked.email,
            issued_on=issued_on,
            expires_on=expiry_date(issued_on=issued_on, term_months=license_type.term_months),
            application=locked,
        )
        locked.decision_reason = (reason or "").strip()
        locked.save(update_fields=["decision_reason", "updated_at"])
        case_services.case_record_event(
            case=locked.case,
            kind=LICENSE_ISSUED,
            payload={"number": license.number, "expires_on": license.expires_on.isoformat()},
            audience=CaseEvent.Audience.PARTICIPANTS,
        )
    logger.info("License %s issued for application %s", license.pk, application.pk)
    return license


def application_deny(*, application: Application, actor, reason: str) -> Application:
    """Deny the application with a reason the resident reads.

    Raises DecisionForbidden, ValueError without a reason, TransitionNotAllowed.
    """
    _require_clerk(application, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(_("Give the applicant a reason."))
    with transaction.atomic():
        locked = _lock(application)
        case_services.transition(
            case=locked.case,
            to_status=CaseStatus.DENIED,
            actor=actor,
            public_note=reason,
        )
        locked.decision_reason = reason
        locked.save(update_fields=["decision_reason", "updated_at"])
    return locked
