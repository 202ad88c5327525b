"""The draft of a permit application, saved page by page (property, work, contractor,
documents, questions), and discarded.

Each function is one transaction. Every write locks the permit after its invoice (`_lock`),
as a payment does, so voiding a stale invoice never deadlocks with a payment of it.
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
from cases.questions import rules as question_rules
from cases.questions.models import QuestionKind
from cases.questions.selectors import questions_of
from cases.workflow import APPLICANT
from payments.models import InvoiceStatus
from payments.services import invoice_lock, invoice_void
from permits.exceptions import (
    ContractorRefused,
    PermitChanged,
    PermitIncomplete,
    PermitNotEditable,
)
from permits.models import Permit, PermitDocument, PermitType
from permits.services.apply_contractor import contractor_check
from permits.workflow import CANCELLED, DRAFT, KIND

logger = logging.getLogger(__name__)

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
