"""Sending a permit application: what still stops the draft, the fee computed and shown
before paying, the invoice, and the case sent when it is paid.

The draft is sent (`submitted`) only by the payments receiver once the application and
plan-review fee is paid (`permit_mark_paid`), or at once when nothing is due.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.models import CaseEvent
from cases.participants import participant_add
from cases.participation import CONTRACTOR
from cases.questions.completeness import (
    documents_missing,
    pages_not_checked,
    questions_unanswered,
)
from payments.models import Invoice, InvoiceStatus
from payments.services import LineItem, invoice_create, invoice_void
from permits.exceptions import AlreadyPaid, ContractorRefused, PermitIncomplete
from permits.fees import FeeQuote, fee_quote
from permits.models import Permit
from permits.services.apply.drafts import _lock, _require_applicant_draft, permit_questions
from permits.services.apply_contractor import contractor_check
from permits.services.reviews import review_start
from permits.workflow import DRAFT, FEE_PAID, SUBMITTED
from portal.localized import localized

logger = logging.getLogger(__name__)

PURPOSE_APPLICATION = "permits.application"


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
    problems += [
        (Permit.Step.PLANS, message)
        for message in documents_missing(owner=permit_type, supplied=supplied)
    ]
    problems += [
        (Permit.Step.QUESTIONS, message)
        for message in questions_unanswered(
            questions=permit_questions(permit=permit), answers=permit.answers
        )
    ]
    problems += pages_not_checked(typed=permit.typed, pages=Permit.Step.choices)
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
