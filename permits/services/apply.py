"""Applying for a permit: a draft saved page by page (property, work, contractor, plans,
questions), the fee computed and shown before paying, the invoice, and the case sent when it
is paid.

Each function is one transaction. The draft is a case (kind "permit", reference allocated
at the start); it is sent (`submitted`) only by the payments receiver once the application
and plan-review fee is paid (`permit_mark_paid`). Every write locks the permit after its
invoice (`_lock`), as a payment does, so voiding a stale invoice never deadlocks with a
payment of it.
"""

from __future__ import annotations

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import services as case_services
from cases.actors import actor_role
from cases.models import CaseEvent
from cases.participants import participant_add
from cases.participation import CONTRACTOR
from cases.questions import rules as question_rules
from cases.questions.models import QuestionKind
from cases.questions.selectors import documents_of, questions_of
from cases.workflow import APPLICANT
from payments.models import Invoice, InvoiceStatus
from payments.services import LineItem, invoice_create, invoice_lock, invoice_void
from permits.exceptions import (
    AlreadyPaid,
    ContractorRefused,
    PermitChanged,
    PermitIncomplete,
    PermitNotEditable,
)
from permits.fees import FeeQuote, fee_quote
from permits.models import Permit, PermitDocument, PermitType
from permits.services.apply_contractor import contractor_check
from permits.services.reviews import review_start
from permits.workflow import CANCELLED, DRAFT, FEE_PAID, KIND, SUBMITTED
from portal.localized import localized

logger = logging.getLogger(__name__)

PURPOSE_APPLICATION = "permits.application"

ADDRESS_MISSING = gettext_lazy("Enter the address of the property, or its parcel number.")

# The pages whose values "Save and come back later" may keep unchecked.
TYPED_PAGES = (
    Permit.Step.PROPERTY,
    Permit.Step.WORK,
    Permit.Step.CONTRACTOR,
    Permit.Step.QUESTIONS,
)
# A value longer than any field accepts is cut here, so what is kept stays bounded.
TYPED_VALUE_MAX = 5000


def _lock(permit: Permit) -> Permit:
    """Lock the permit, after its invoice, and return it with its case and type loaded.

    A payment locks the invoice, then what it paid for (`permit_mark_paid`); taking the
    invoice first here keeps a service that voids it from waiting crosswise for a payment.
    The invoice changes only under the permit's lock: if it changed between the two locks,
    PermitChanged asks the person to try again.
    """
    invoice_id = Permit.objects.filter(pk=permit.pk).values_list("invoice_id", flat=True).get()
    if invoice_id is not None:
        invoice_lock(invoice_id=invoice_id)
    locked = (
        Permit.objects.select_for_update(of=("self",), no_key=True)
        .select_related("case", "permit_type")
        .get(pk=permit.pk)
    )
    if locked.invoice_id != invoice_id:
        raise PermitChanged(_("This application changed while you were working on it. Try again."))
    return locked


def _require_applicant_draft(permit: Permit, actor) -> None:
    if actor is None or actor_role(case=permit.case, actor=actor) != APPLICANT:
        raise PermitNotEditable(_("Only the applicant can change this application."))
    if permit.case.status != DRAFT or permit.paid_at is not None:
        raise PermitNotEditable(_("This application has been sent and cannot be changed."))


def _advance(permit: Permit, page: str, next_page: str) -> None:
    """The page is saved and checked: forget what was kept unchecked, and resume at the
    next page unless the draft had gone further."""
    permit.typed.pop(page, None)
    order = list(Permit.Step.values)
    if order.index(next_page) > order.index(permit.step):
        permit.step = next_page


def permit_start(*, permit_type: PermitType, applicant) -> Permit:
    """Open a draft permit application of `permit_type` for `applicant`.

    The draft is a case (reference allocated now), sent only when its fee is paid. A draft of
    the type the applicant started and left untouched is returned instead of a new one (a
    double click, a second tab), so empty drafts do not pile up. Raises ValueError if the
    type is not open for applications.
    """
    if not permit_type.active or not permit_type.published:
        raise ValueError(_("This permit type is not open for applications."))
    untouched = (
        Permit.objects.filter(
            permit_type=permit_type,
            case__applicant=applicant,
            case__status=DRAFT,
            discarded_at=None,
            address="",
            parcel_number="",
            typed={},
        )
        .select_related("case")
        .order_by("-pk")
        .first()
    )
    if untouched is not None:
        return untouched
    with transaction.atomic():
        case = case_services.case_create(kind=KIND, applicant=applicant, submit=False)
        permit = Permit.objects.create(case=case, permit_type=permit_type)
    logger.info("Permit application %s started", permit.pk)
    return permit


def permit_keep_typed(*, permit: Permit, actor, page: str, values: dict) -> Permit:
    """Keep what the applicant typed on `page` without checking it ("Save and come back
    later", or a page sent after their session ended).

    The values are shown again when the page is opened and checked when it is continued;
    until then `permit_problems` stops the draft from being sent. Raises PermitNotEditable,
    ValueError for a page without typed values.
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
            room -= max(len(item), 1)
        return kept

    with transaction.atomic():
        locked = _lock(permit)
        _require_applicant_draft(locked, actor)
        locked.typed[page] = {str(name): bounded(value) for name, value in values.items()}
        locked.save(update_fields=["typed", "updated_at"])
    return locked


def permit_save_property(*, permit: Permit, actor, address: str, parcel_number: str = "") -> Permit:
    """Save the property page of a draft: its address, its parcel number, or both (a vacant
    lot may have no address yet). Raises PermitIncomplete, PermitNotEditable."""
    address = (address or "").strip()
    parcel_number = (parcel_number or "").strip().upper()
    if not address and not parcel_number:
        raise PermitIncomplete({"address": ADDRESS_MISSING})
    with transaction.atomic():
        locked = _lock(permit)
        _require_applicant_draft(locked, actor)
        locked.address = address
        locked.parcel_number = parcel_number
        _advance(locked, Permit.Step.PROPERTY, Permit.Step.WORK)
        locked.save()
    return locked


def permit_save_work(
    *,
    permit: Permit,
    actor,
    work_description: str,
    valuation_cents: int,
    square_feet: int | None = None,
    housing_units: int = 0,
) -> Permit:
    """Save the work page of a draft. Raises PermitIncomplete, PermitNotEditable."""
    errors = {}
    if not (work_description or "").strip():
        errors["work_description"] = _("Describe the work in a few sentences.")
    if valuation_cents is None or valuation_cents < 0:
        errors["valuation_cents"] = _("Enter what the work costs, in dollars.")
    if square_feet is not None and square_feet < 0:
        errors["square_feet"] = _("The square footage cannot be negative.")
    if housing_units is not None and housing_units < 0:
        errors["housing_units"] = _("The number of housing units cannot be negative.")
    with transaction.atomic():
        locked = _lock(permit)
        _require_applicant_draft(locked, actor)
        if locked.permit_type.fee_method == "per_sq_ft" and not square_feet:
            errors["square_feet"] = _("Enter the square footage: the permit fee depends on it.")
        if errors:
            raise PermitIncomplete(errors)
        if (valuation_cents, square_feet) != (locked.valuation_cents, locked.square_feet):
            _void_open_invoice(locked)
        locked.work_description = work_description.strip()
        locked.valuation_cents = valuation_cents
        locked.square_feet = square_feet
        locked.housing_units = housing_units or 0
        _advance(locked, Permit.Step.WORK, Permit.Step.CONTRACTOR)
        locked.save()
    return locked


def _void_open_invoice(locked: Permit) -> None:
    """The fees depend on the work: an invoice issued for other amounts can no longer be
    paid (the check page issues the right one). The invoice is locked already (`_lock`)."""
    if locked.invoice_id is not None and locked.invoice.status == InvoiceStatus.OPEN:
        invoice_void(invoice=locked.invoice)


def permit_save_contractor(
    *, permit: Permit, actor, license_number: str = "", owner_builder: bool = False
) -> Permit:
    """Name the contractor by license number, checked against the license register, or
    say the owner does the work (only where the type allows it).

    Raises ContractorRefused with the reason, PermitNotEditable.
    """
    with transaction.atomic():
        locked = _lock(permit)
        _require_applicant_draft(locked, actor)
        permit_type = locked.permit_type
        if owner_builder and not (license_number or "").strip():
            if permit_type.contractor_required:
                raise ContractorRefused(
                    _("This permit needs a licensed contractor: enter their license number."),
                    code="required",
                )
            locked.contractor_license = None
            locked.owner_builder = True
        elif not (license_number or "").strip() and not permit_type.contractor_required:
            raise ContractorRefused(
                _("Enter the contractor's license number, or say you do the work yourself."),
                code="required",
            )
        else:
            locked.contractor_license = contractor_check(
                permit_type=permit_type, license_number=license_number
            )
            locked.owner_builder = False
        _advance(locked, Permit.Step.CONTRACTOR, Permit.Step.PLANS)
        locked.save()
    return locked


def permit_questions(*, permit: Permit) -> list:
    return questions_of(owner=permit.permit_type)


def permit_save_answers(
    *, permit: Permit, actor, answers: dict, uploads: dict | None = None
) -> Permit:
    """Save the type's questions on a draft, after checking every answer on the server.

    `answers` maps question codes to JSON-form values (cases.questions.rules); `uploads`
    maps file questions' codes to uploaded files, attached to the case. Raises
    PermitIncomplete with the errors by question code (nothing saved), DocumentRejected,
    PermitNotEditable.
    """
    uploads = uploads or {}
    with transaction.atomic():
        locked = _lock(permit)
        _require_applicant_draft(locked, actor)
        questions = permit_questions(permit=locked)
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
                case=locked.case, uploaded_by=actor, upload=upload
            )
            kept[question.code] = {"document_id": document.pk, "name": document.original_name}
            errors.pop(question.code, None)
        if errors:
            raise PermitIncomplete(errors)
        locked.answers = kept
        _advance(locked, Permit.Step.QUESTIONS, Permit.Step.CHECK)
        locked.save()
    return locked


def permit_add_document(*, permit: Permit, actor, requirement, upload) -> PermitDocument:
    """Attach `upload` to the draft as the type's `requirement` (checked by content and
    size, as every case document). Raises DocumentRejected for a bad file,
    PermitNotEditable, ValueError for a requirement of another type."""
    owner_type = ContentType.objects.get_for_model(PermitType)
    if requirement.owner_type_id != owner_type.pk or requirement.owner_id != permit.permit_type_id:
        raise ValueError("That document is not asked for by this permit type.")
    with transaction.atomic():
        locked = _lock(permit)
        _require_applicant_draft(locked, actor)
        document = case_services.document_add(case=locked.case, uploaded_by=actor, upload=upload)
        return PermitDocument.objects.create(
            permit=locked, requirement=requirement, document=document
        )


def permit_fee_quote(*, permit: Permit) -> FeeQuote:
    """The fees of this application as its work stands now."""
    return fee_quote(
        permit_type=permit.permit_type,
        valuation_cents=permit.valuation_cents,
        square_feet=permit.square_feet,
    )


def permit_problems(*, permit: Permit) -> list[tuple[str, str]]:
    """What still stops the draft from being sent, as (page, words for the applicant);
    empty when it is ready to pay."""
    permit_type = permit.permit_type
    problems = []
    if not permit.address and not permit.parcel_number:
        problems.append(
            (Permit.Step.PROPERTY, _("Tell us the address or the parcel number of the property."))
        )
    if not permit.work_description:
        problems.append((Permit.Step.WORK, _("Describe the work and what it costs.")))
    elif permit_type.fee_method == "per_sq_ft" and not permit.square_feet:
        problems.append((Permit.Step.WORK, _("Enter the square footage of the work.")))
    if permit.contractor_license_id is not None:
        try:
            contractor_check(
                permit_type=permit_type, license_number=permit.contractor_license.number
            )
        except ContractorRefused as refusal:
            problems.append((Permit.Step.CONTRACTOR, refusal.messages[0]))
    elif permit_type.contractor_required:
        problems.append((Permit.Step.CONTRACTOR, _("Name the licensed contractor doing the work.")))
    elif not permit.owner_builder:
        problems.append(
            (
                Permit.Step.CONTRACTOR,
                _("Name the contractor, or say you do the work yourself."),
            )
        )
    if permit_type.plans_required and not permit.plan_sheets.filter(removed_at=None).exists():
        problems.append((Permit.Step.PLANS, _("Upload your plans: at least one sheet, as a PDF.")))
    supplied = {item.requirement_id for item in permit.supplied_documents.all()}
    for requirement in documents_of(owner=permit_type, required=True):
        if requirement.pk not in supplied:
            problems.append(
                (
                    Permit.Step.PLANS,
                    _("Upload: %(document)s.") % {"document": localized(requirement, "name")},
                )
            )
    errors = question_rules.answers_clean(permit_questions(permit=permit), permit.answers)[1]
    if errors:
        problems.append((Permit.Step.QUESTIONS, _("Answer every question that applies.")))
    for page, label in Permit.Step.choices:
        if page in permit.typed:
            problems.append(
                (
                    page,
                    _(
                        "Some answers on the page “%(page)s” are not checked yet: open it, "
                        "correct them and choose “Save and continue”."
                    )
                    % {"page": label},
                )
            )
    return problems


def permit_request_payment(*, permit: Permit, actor) -> Invoice:
    """Check the draft is complete, compute its fees and issue the invoice for what is due
    now (application fee and plan-review share), or return the open one if the amounts
    have not changed since. An open invoice for other amounts (the work changed) is voided
    and replaced: there is never a second invoice to pay.

    Raises PermitIncomplete (with what is missing), AlreadyPaid, PermitNotEditable.
    """
    with transaction.atomic():
        locked = _lock(permit)
        if locked.paid_at is not None:
            raise AlreadyPaid(_("The fee for this application is already paid."))
        _require_applicant_draft(locked, actor)
        problems = permit_problems(permit=locked)
        if problems:
            raise PermitIncomplete([message for _page, message in problems])
        quote = permit_fee_quote(permit=locked)
        invoice = locked.invoice
        if invoice is not None:
            if invoice.status in (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID):
                raise AlreadyPaid(_("The fee for this application is already paid."))
            same = (
                locked.application_fee_cents == quote.application_cents
                and locked.plan_review_fee_cents == quote.plan_review_cents
                and locked.permit_fee_cents == quote.permit_cents
            )
            if invoice.status == InvoiceStatus.OPEN and same:
                return invoice
            if invoice.status == InvoiceStatus.OPEN:
                invoice_void(invoice=invoice)
        locked.application_fee_cents = quote.application_cents
        locked.plan_review_fee_cents = quote.plan_review_cents
        locked.permit_fee_cents = quote.permit_cents
        lines = []
        if quote.application_cents:
            lines.append(LineItem(_("Application fee"), quote.application_cents))
        if quote.plan_review_cents:
            lines.append(
                LineItem(
                    _("Plan-review fee (%(percent)s%% of the permit fee)")
                    % {"percent": _percent(locked.permit_type.plan_review_percent)},
                    quote.plan_review_cents,
                )
            )
        if not lines:
            # Nothing to pay now: the application is sent at once.
            locked.invoice = None
            locked.save()
            _send(locked)
            return None
        invoice = invoice_create(
            purpose=PURPOSE_APPLICATION,
            description=_("%(type)s: permit application %(reference)s")
            % {"type": localized(locked.permit_type, "name"), "reference": locked.case.reference},
            lines=lines,
            payer=locked.case.applicant,
            subject=locked,
            notify=False,
        )
        locked.invoice = invoice
        locked.step = Permit.Step.CHECK
        locked.save()
    return invoice


def _percent(value) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _send(locked: Permit) -> None:
    """Send the paid (or free) draft: the contractor joins the case, the case is submitted
    with the type's review target and its plans go to review. Inside the caller's
    transaction, the permit locked."""
    license = locked.contractor_license
    if license is not None and (license.holder_id or license.holder_email):
        participant_add(
            case=locked.case,
            role=CONTRACTOR,
            user=license.holder if license.holder_id else None,
            email="" if license.holder_id else license.holder_email,
            name=license.business_name or license.holder_name,
        )
    case_services.transition(
        case=locked.case,
        to_status=SUBMITTED,
        actor=None,
        target_days=locked.permit_type.review_target_days,
    )
    # Plan review starts at once: round 1, one review per reviewing department of the type
    # (permits.services.reviews; a type without reviewing departments is approved).
    review_start(permit=locked, actor=None)


def permit_mark_paid(*, permit_id: int) -> Permit:
    """Record that the application fee is paid and send the application.

    Called by the payments receiver in the payment's transaction. A second call changes
    nothing.
    """
    with transaction.atomic():
        locked = (
            Permit.objects.select_for_update(of=("self",), no_key=True)
            .select_related("case", "permit_type", "contractor_license")
            .get(pk=permit_id)
        )
        if locked.paid_at is not None:
            return locked
        locked.paid_at = timezone.now()
        locked.save(update_fields=["paid_at", "updated_at"])
        case_services.case_record_event(
            case=locked.case,
            kind=FEE_PAID,
            payload={"fee": "application", "amount_cents": locked.applying_fee_cents},
            audience=CaseEvent.Audience.PARTICIPANTS,
        )
        if locked.case.status == DRAFT:
            _send(locked)
    logger.info("Permit application %s paid", permit_id)
    return locked


def permit_discard(*, permit: Permit, actor) -> Permit:
    """Discard an unpaid draft (its open invoice is voided). Raises PermitNotEditable."""
    with transaction.atomic():
        locked = _lock(permit)
        _require_applicant_draft(locked, actor)
        if locked.invoice_id is not None and locked.invoice.status == InvoiceStatus.OPEN:
            invoice_void(invoice=locked.invoice)
        case_services.transition(case=locked.case, to_status=CANCELLED, actor=actor)
        locked.discarded_at = timezone.now()
        locked.save(update_fields=["discarded_at", "updated_at"])
    return locked
