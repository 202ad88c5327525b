"""Demo permits for `seed_demo`: about twenty applications of the demo residents, taken to
every stage through the real services, so the public search, the open data, the residents'
pages and the back office show something on a fresh machine. Also the demo inspector's weekly
shifts (some in the city's wards), so a resident can book an inspection on the demo.

Each permit is applied for, paid at the counter, reviewed, issued and inspected by the same
services the pages call, on days in the past (`cases.demo.as_of`), so its timeline reads
like a real one. A permit is made once: one whose property and type the resident already
has is left alone, so running the command again changes nothing. Only for demo data.
"""

from __future__ import annotations

import datetime
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.demo import ADMINISTRATOR, CLERK, INSPECTOR, RESIDENT, RESIDENT_ES
from accounts.models import User
from cases.demo import as_of
from cases.questions.models import QuestionKind
from cases.questions.rules import NO
from cases.questions.selectors import documents_of
from cases.service_levels import closed_days
from licensing.models import License
from payments.services import payment_record_counter
from permits.demo.contractors import contractor_for
from permits.demo.examples import (
    BOOKED,
    CANCEL_REASON,
    CANCELLED,
    CORRECTIONS,
    DEFICIENCIES,
    FAILED,
    FEE_DUE,
    FINALED,
    IN_REVIEW,
    ISSUED,
    PASSED,
    PERMITS,
    WITHDRAW_REASON,
    WITHDRAWN,
    DemoPermit,
)
from permits.demo.reviews import pdf_page, review_demo
from permits.demo.staff import Staff, seed_shifts
from permits.inspection_rules import next_working_day, previous_working_day
from permits.models import InspectionResult, Permit, PermitType
from permits.selectors_inspections import availability, next_step
from permits.services import apply as applying
from permits.services.apply_plans import plan_sheet_add
from permits.services.cancel import permit_cancel, permit_withdraw
from permits.services.inspections import (
    inspection_book,
    inspection_record_result,
    slots_open,
    slots_open_for_booking,
)
from permits.services.issuance import permit_fee_invoice

logger = logging.getLogger(__name__)


def seed() -> None:
    """Create the demo inspector's shifts (in the city's wards), open their half-days,
    and apply for the demo permits that are missing (skipped without the demo accounts)."""
    people = {
        email: User.objects.filter(email__iexact=email).first()
        for email in (ADMINISTRATOR.email, CLERK.email, INSPECTOR.email)
    }
    inspector = people[INSPECTOR.email]
    if inspector is not None:
        seed_shifts(inspector)
    residents = {
        False: User.objects.filter(email__iexact=RESIDENT.email).first(),
        True: User.objects.filter(email__iexact=RESIDENT_ES.email).first(),
    }
    if None in people.values() or None in residents.values():
        return
    staff = Staff(
        reviewer=people[ADMINISTRATOR.email],
        cashier=people[CLERK.email],
        inspector=inspector,
    )
    today = timezone.localdate()
    # What each type needs is looked up once for the whole seed (one query for the types,
    # one for the permits already made), not once per permit.
    types = {
        permit_type.code: permit_type
        for permit_type in PermitType.objects.filter(code__in={row.type_code for row in PERMITS})
    }
    made = set(
        Permit.objects.filter(case__applicant__in=list(residents.values())).values_list(
            "address", "permit_type__code", "case__applicant_id"
        )
    )
    missing = [
        row
        for row in PERMITS
        if (row.address, row.type_code, residents[row.spanish].pk) not in made
    ]
    if missing:
        oldest = today - datetime.timedelta(days=max(row.days_ago for row in missing) + 7)
        slots_open(start=oldest, end=today)
    slots_open_for_booking()
    closed = closed_days(start=today - datetime.timedelta(days=400), end=today)
    facts = _TypeFacts()
    for row in missing:
        permit_type = types.get(row.type_code)
        if permit_type is None or not permit_type.published:
            continue
        with transaction.atomic():
            _permit(row, permit_type, residents[row.spanish], staff, closed, facts)


class _TypeFacts:
    """What the demo's applications of one type share, looked up once per type: the
    contractor it names, the documents it uploads, its answers to the type's questions."""

    def __init__(self) -> None:
        self._contractors: dict[int, License | None] = {}
        self._documents: dict[int, list] = {}
        self._answers: dict[int, dict] = {}

    def contractor(self, permit_type: PermitType) -> License | None:
        if permit_type.pk not in self._contractors:
            self._contractors[permit_type.pk] = contractor_for(permit_type)
        return self._contractors[permit_type.pk]

    def documents(self, permit_type: PermitType) -> list:
        if permit_type.pk not in self._documents:
            self._documents[permit_type.pk] = list(documents_of(owner=permit_type, required=True))
        return self._documents[permit_type.pk]

    def answers(self, permit: Permit) -> dict:
        if permit.permit_type_id not in self._answers:
            self._answers[permit.permit_type_id] = _answers(permit)
        return dict(self._answers[permit.permit_type_id])


class _Calendar:
    """The working days a demo permit's story is told on, from the day it was sent."""

    def __init__(self, first: datetime.date, closed) -> None:
        self.closed = closed
        self.day = previous_working_day(first, closed)

    def next(self, working_days: int = 1) -> datetime.date:
        for _step in range(working_days):
            self.day = next_working_day(self.day + datetime.timedelta(days=1), self.closed)
        return self.day


def _permit(
    row: DemoPermit,
    permit_type: PermitType,
    applicant: User,
    staff: Staff,
    closed,
    facts: _TypeFacts,
):
    calendar = _Calendar(timezone.localdate() - datetime.timedelta(days=row.days_ago), closed)
    with as_of(calendar.day):
        permit = _apply(row, permit_type, applicant, staff, facts)
    if row.stage == IN_REVIEW:
        with as_of(calendar.next()):
            review_demo(permit=permit, stage=IN_REVIEW, reviewer=staff.reviewer)
        return permit
    asked_corrections = row.stage in (CORRECTIONS, WITHDRAWN)
    with as_of(calendar.next(2)):
        review_demo(
            permit=permit,
            stage=CORRECTIONS if asked_corrections else "approved",
            reviewer=staff.reviewer,
        )
    if row.stage == WITHDRAWN:
        with as_of(calendar.next(3)):
            permit_withdraw(permit=permit, actor=applicant, reason=WITHDRAW_REASON)
    if row.stage == CANCELLED:
        with as_of(calendar.next(5)):
            # Through the service: the permit fee invoiced on approval is voided.
            permit_cancel(permit=permit, actor=staff.reviewer, reason=CANCEL_REASON)
    if row.stage in (CORRECTIONS, WITHDRAWN, CANCELLED):
        return permit
    with as_of(calendar.next()):
        issuance = permit_fee_invoice(permit=permit)
    if row.stage == FEE_DUE:
        return permit
    if issuance.invoice is not None:
        with as_of(calendar.next(2)):
            _pay(issuance.invoice, staff)
    if row.stage == BOOKED:
        _book(permit, applicant)  # in the coming days, from today
    if row.stage in (ISSUED, BOOKED):
        return permit
    results = {
        PASSED: [InspectionResult.PASSED],
        FAILED: [InspectionResult.FAILED],
        FINALED: [InspectionResult.PASSED] * permit_type.inspection_steps.count(),
    }[row.stage]
    for result in results:
        with as_of(calendar.next()):
            inspection = _book(permit, applicant)
        calendar.day = inspection.day
        with as_of(inspection.day):
            inspection_record_result(
                inspection=inspection,
                actor=staff.inspector,
                result=result,
                deficiencies=DEFICIENCIES if result == InspectionResult.FAILED else "",
            )
    return permit


def _apply(
    row: DemoPermit, permit_type: PermitType, applicant: User, staff: Staff, facts: _TypeFacts
) -> Permit:
    """Fill in the application page by page and pay its fee at the counter."""
    permit = applying.permit_start(permit_type=permit_type, applicant=applicant)
    applying.permit_save_property(
        permit=permit, actor=applicant, address=row.address, parcel_number=row.parcel
    )
    applying.permit_save_work(
        permit=permit,
        actor=applicant,
        work_description=row.work,
        valuation_cents=row.valuation * 100,
        square_feet=row.square_feet or (1 if permit_type.fee_method == "per_sq_ft" else None),
        housing_units=row.housing_units,
    )
    contractor = None if row.owner_builder else facts.contractor(permit_type)
    applying.permit_save_contractor(
        permit=permit,
        actor=applicant,
        license_number=contractor.number if contractor else "",
        owner_builder=contractor is None,
    )
    if permit_type.plans_required:
        plan_sheet_add(
            permit=permit,
            actor=applicant,
            sheet="A1.0",
            title="Site plan",
            upload=ContentFile(pdf_page(), name="site-plan.pdf"),
        )
    for requirement in facts.documents(permit_type):
        applying.permit_add_document(
            permit=permit,
            actor=applicant,
            requirement=requirement,
            upload=ContentFile(pdf_page(), name="document.pdf"),
        )
    applying.permit_save_answers(permit=permit, actor=applicant, answers=facts.answers(permit))
    invoice = applying.permit_request_payment(permit=permit, actor=applicant)
    if invoice is not None:
        _pay(invoice, staff)
    permit.refresh_from_db()
    permit.case.refresh_from_db()
    return permit


def _answers(permit: Permit) -> dict:
    """Plain answers to whatever the type asks: a small number, "no", the first choice."""
    answers = {}
    for question in applying.permit_questions(permit=permit):
        if question.kind == QuestionKind.NUMBER:
            answers[question.code] = str(max(question.min_value or 1, 1))
        elif question.kind == QuestionKind.YES_NO:
            answers[question.code] = NO
        elif question.kind == QuestionKind.SINGLE_CHOICE and question.choice_list:
            answers[question.code] = question.choice_list[0]
        elif question.kind in (QuestionKind.TEXT, QuestionKind.LONG_TEXT):
            answers[question.code] = "As shown on the plans."
    return answers


def _pay(invoice, staff: Staff) -> None:
    payment_record_counter(
        invoice=invoice, method="check", amount_cents=invoice.balance_cents, actor=staff.cashier
    )


def _book(permit: Permit, applicant: User):
    """Book the permit's next inspection in the first half-day with a place."""
    permit = Permit.objects.select_related("case", "permit_type").get(pk=permit.pk)
    if next_step(permit) is None:
        return None
    free = availability(permit=permit)
    if not free:
        logger.warning("No inspection slot for demo permit %s", permit.pk)
        return None
    return inspection_book(
        permit=permit,
        day=free[0].day,
        period=free[0].period,
        starts_at=free[0].starts_at,
        actor=applicant,
    )
