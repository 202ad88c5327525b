"""Demo permits for `seed_demo`: about twenty applications of the demo residents, taken to
every stage through the real services, so the public search, the open data, the residents'
pages and the back office show something on a fresh machine. Also the inspectors' areas and
the demo inspector's weekly shifts, so a resident can book an inspection on the demo.

Each permit is applied for, paid at the counter, reviewed, issued and inspected by the same
services the pages call, on days in the past (`cases.demo.as_of`), so its timeline reads
like a real one. A permit is made once: one whose property and type the resident already
has is left alone, so running the command again changes nothing. Only for demo data.
"""

from __future__ import annotations

import dataclasses
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
from cases.services import transition
from licensing.models import License, LicenseStatus
from payments.services import payment_record_counter
from permits import workflow as wf
from permits.demo_reviews import pdf_page, review_demo
from permits.inspection_rules import next_working_day, previous_working_day
from permits.models import (
    InspectionArea,
    InspectionResult,
    InspectorShift,
    Period,
    Permit,
    PermitType,
)
from permits.selectors_inspections import availability, next_step
from permits.services import apply as applying
from permits.services.apply_plans import plan_sheet_add
from permits.services.inspections import (
    inspection_book,
    inspection_record_result,
    slots_open,
    slots_open_for_booking,
)
from permits.services.issuance import permit_fee_invoice

logger = logging.getLogger(__name__)

# The stages a demo permit is taken to.
IN_REVIEW = "in_review"
CORRECTIONS = "corrections_required"
FEE_DUE = "approved"  # plans approved, the permit fee invoiced and not paid yet
ISSUED = "issued"
BOOKED = "booked"  # issued, its first inspection booked in the coming days
PASSED = "passed"  # inspections under way: the first passed
FAILED = "failed"  # inspections under way: the first failed
FINALED = "finaled"
WITHDRAWN = "withdrawn"
CANCELLED = "cancelled"

# The case status each stage ends in.
STATUS = {
    IN_REVIEW: wf.IN_REVIEW,
    CORRECTIONS: wf.CORRECTIONS_REQUIRED,
    FEE_DUE: wf.APPROVED,
    ISSUED: wf.ISSUED,
    BOOKED: wf.INSPECTIONS,
    PASSED: wf.INSPECTIONS,
    FAILED: wf.INSPECTIONS,
    FINALED: wf.FINALED,
    WITHDRAWN: wf.WITHDRAWN,
    CANCELLED: wf.CANCELLED,
}

# Parts of the city some inspectors cover, by ZIP code: (code, name, name in Spanish, ZIPs).
AREAS = [
    ("north", "North Springfield", "Norte de Springfield", ["62702", "62707"]),
    ("south", "South Springfield", "Sur de Springfield", ["62703", "62704"]),
]
# The demo inspector's week: mornings in one area (Monday, Wednesday, Friday north; Tuesday,
# Thursday south), afternoons anywhere in the city, four inspections a half-day.
SHIFTS = [
    (0, Period.AM, "north"),
    (1, Period.AM, "south"),
    (2, Period.AM, "north"),
    (3, Period.AM, "south"),
    (4, Period.AM, "north"),
    *[(weekday, Period.PM, None) for weekday in range(5)],
]
SHIFT_CAPACITY = 4


@dataclasses.dataclass(frozen=True)
class DemoPermit:
    type_code: str
    address: str
    parcel: str
    work: str
    valuation: int  # dollars
    stage: str
    days_ago: int  # when the application was sent
    spanish: bool = False  # María García's (else Jordan Lee's)
    square_feet: int | None = None
    housing_units: int = 0
    owner_builder: bool = False


MAPLE = "1420 Maple Avenue, Springfield, IL 62704"
WALNUT = "88 Walnut Street, Springfield, IL 62704"
BIRCH = "17 Birch Court, Springfield, IL 62702"
LINCOLN = "2301 Lincoln Avenue, Springfield, IL 62702"
ADAMS = "410 East Adams Street, Springfield, IL 62701"
MONROE = "615 West Monroe Street, Springfield, IL 62701"
COOK = "902 South Cook Street, Springfield, IL 62703"
PINE = "1208 Pine Street, Springfield, IL 62703"
LAUREL = "2715 Laurel Drive, Springfield, IL 62707"

PERMITS = [
    DemoPermit(
        "new-home",
        MAPLE,
        "14-32-101-004",
        "A two-story, three-bedroom house with an attached two-car garage on a vacant lot.",
        385_000,
        IN_REVIEW,
        5,
        square_feet=2_150,
        housing_units=1,
    ),
    DemoPermit(
        "residential-addition",
        WALNUT,
        "14-28-310-017",
        "A 14 by 16 ft family room at the back of the house, with a new door to the patio.",
        85_000,
        CORRECTIONS,
        16,
        square_feet=224,
    ),
    DemoPermit(
        "reroof",
        WALNUT,
        "14-28-310-017",
        "Tear off two layers of asphalt shingles and put on architectural shingles.",
        14_500,
        BOOKED,
        24,
        square_feet=1_850,
    ),
    DemoPermit(
        "electrical",
        WALNUT,
        "14-28-310-017",
        "Upgrade the service panel from 100 to 200 amps and add an EV charger in the garage.",
        6_200,
        FEE_DUE,
        12,
    ),
    DemoPermit(
        "fence",
        BIRCH,
        "14-21-205-009",
        "A 6 ft cedar privacy fence along the back and side lot lines.",
        4_800,
        FINALED,
        55,
        owner_builder=True,
    ),
    DemoPermit(
        "mechanical",
        BIRCH,
        "14-21-205-009",
        "Replace the furnace and the air conditioner with a heat pump and new ductwork.",
        13_900,
        FAILED,
        28,
    ),
    DemoPermit(
        "plumbing",
        BIRCH,
        "14-21-205-009",
        "Move the kitchen sink to the island and replace the water heater.",
        3_500,
        WITHDRAWN,
        33,
    ),
    DemoPermit(
        "electrical",
        MAPLE,
        "14-32-101-004",
        "Temporary power pole for the construction of the new house.",
        1_200,
        FINALED,
        40,
    ),
    DemoPermit(
        "reroof",
        PINE,
        "14-33-402-021",
        "Replace the roof of the detached garage after hail damage.",
        6_800,
        FINALED,
        45,
        square_feet=480,
    ),
    DemoPermit(
        "new-home",
        LINCOLN,
        "14-20-118-030",
        "Una casa de una planta con tres dormitorios y garaje para dos autos.",
        310_000,
        FINALED,
        95,
        spanish=True,
        square_feet=1_750,
        housing_units=1,
    ),
    DemoPermit(
        "pool",
        LINCOLN,
        "14-20-118-030",
        "Una piscina enterrada de 16 por 32 pies con su cerca de seguridad.",
        48_000,
        IN_REVIEW,
        3,
        spanish=True,
    ),
    DemoPermit(
        "plumbing",
        LINCOLN,
        "14-20-118-030",
        "Tuberías de agua y desagüe para un segundo baño.",
        7_500,
        PASSED,
        30,
        spanish=True,
    ),
    DemoPermit(
        "commercial-alteration",
        ADAMS,
        "14-34-226-002",
        "Convert a former shoe store into a bakery and café with seating for 30.",
        160_000,
        FINALED,
        70,
        spanish=True,
        square_feet=1_900,
    ),
    DemoPermit(
        "commercial-alteration",
        MONROE,
        "14-34-151-011",
        "New walls, exits and finishes for a dental office on the second floor.",
        95_000,
        CORRECTIONS,
        11,
        spanish=True,
        square_feet=2_400,
    ),
    DemoPermit(
        "sign",
        MONROE,
        "14-34-151-011",
        "An illuminated wall sign, 3 by 12 ft, over the street entrance.",
        5_600,
        ISSUED,
        18,
        spanish=True,
    ),
    DemoPermit(
        "demolition",
        COOK,
        "14-33-109-006",
        "Tear down a fire-damaged detached garage and remove the slab.",
        9_000,
        CANCELLED,
        38,
        spanish=True,
    ),
    DemoPermit(
        "demolition",
        PINE,
        "14-33-402-021",
        "Take down a collapsed shed and its concrete footings.",
        3_000,
        IN_REVIEW,
        2,
    ),
    DemoPermit(
        "residential-addition",
        LAUREL,
        "14-17-330-008",
        "Un dormitorio y un baño nuevos sobre el garaje.",
        120_000,
        FAILED,
        50,
        spanish=True,
        square_feet=420,
    ),
    DemoPermit(
        "mechanical",
        LAUREL,
        "14-17-330-008",
        "Un sistema de aire acondicionado sin ductos en el dormitorio nuevo.",
        7_900,
        ISSUED,
        20,
        spanish=True,
    ),
    DemoPermit(
        "fence",
        LAUREL,
        "14-17-330-008",
        "A 4 ft picket fence in the front yard.",
        2_100,
        CORRECTIONS,
        9,
        owner_builder=True,
    ),
]

# What each failed inspection found, and why the demolition was cancelled.
DEFICIENCIES = "Flashing missing where the new work meets the existing wall; fix and call again."
CANCEL_REASON = "The garage was taken down by the insurer's contractor under an emergency order."
WITHDRAW_REASON = "We decided to keep the kitchen as it is."


@dataclasses.dataclass
class Staff:
    reviewer: User
    cashier: User
    inspector: User


def seed() -> None:
    """Create the inspection areas and the demo inspector's shifts, open their half-days,
    and apply for the demo permits that are missing (skipped without the demo accounts)."""
    people = {
        email: User.objects.filter(email__iexact=email).first()
        for email in (ADMINISTRATOR.email, CLERK.email, INSPECTOR.email)
    }
    inspector = people[INSPECTOR.email]
    if inspector is not None:
        _shifts(inspector)
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
    missing = [
        row
        for row in PERMITS
        if not Permit.objects.filter(
            address=row.address,
            permit_type__code=row.type_code,
            case__applicant=residents[row.spanish],
        ).exists()
    ]
    if missing:
        oldest = today - datetime.timedelta(days=max(row.days_ago for row in missing) + 7)
        slots_open(start=oldest, end=today)
    slots_open_for_booking()
    closed = closed_days(start=today - datetime.timedelta(days=400), end=today)
    for row in missing:
        permit_type = PermitType.objects.filter(code=row.type_code).first()
        if permit_type is None or not permit_type.published:
            continue
        with transaction.atomic():
            _permit(row, permit_type, residents[row.spanish], staff, closed)


def _shifts(inspector: User) -> None:
    areas = {}
    for code, name, name_es, postal_codes in AREAS:
        areas[code] = InspectionArea.objects.get_or_create(
            code=code, defaults={"name": name, "name_es": name_es, "postal_codes": postal_codes}
        )[0]
    if InspectorShift.objects.filter(inspector=inspector).exists():
        return  # the administrator's changes to the demo week stay
    InspectorShift.objects.bulk_create(
        InspectorShift(
            inspector=inspector,
            weekday=weekday,
            period=period,
            area=areas[area] if area else None,
            capacity=SHIFT_CAPACITY,
        )
        for weekday, period, area in SHIFTS
    )


class _Calendar:
    """The working days a demo permit's story is told on, from the day it was sent."""

    def __init__(self, first: datetime.date, closed) -> None:
        self.closed = closed
        self.day = previous_working_day(first, closed)

    def next(self, working_days: int = 1) -> datetime.date:
        for _step in range(working_days):
            self.day = next_working_day(self.day + datetime.timedelta(days=1), self.closed)
        return self.day


def _permit(row: DemoPermit, permit_type: PermitType, applicant: User, staff: Staff, closed):
    calendar = _Calendar(timezone.localdate() - datetime.timedelta(days=row.days_ago), closed)
    with as_of(calendar.day):
        permit = _apply(row, permit_type, applicant, staff)
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
            transition(
                case=permit.case,
                to_status=wf.WITHDRAWN,
                actor=applicant,
                public_note=WITHDRAW_REASON,
            )
    if row.stage == CANCELLED:
        with as_of(calendar.next(5)):
            transition(
                case=permit.case,
                to_status=wf.CANCELLED,
                actor=staff.cashier,
                public_note=CANCEL_REASON,
            )
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


def _apply(row: DemoPermit, permit_type: PermitType, applicant: User, staff: Staff) -> Permit:
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
    contractor = None if row.owner_builder else _contractor(permit_type)
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
    for requirement in documents_of(owner=permit_type, required=True):
        applying.permit_add_document(
            permit=permit,
            actor=applicant,
            requirement=requirement,
            upload=ContentFile(pdf_page(), name="document.pdf"),
        )
    applying.permit_save_answers(permit=permit, actor=applicant, answers=_answers(permit))
    invoice = applying.permit_request_payment(permit=permit, actor=applicant)
    if invoice is not None:
        _pay(invoice, staff)
    permit.refresh_from_db()
    permit.case.refresh_from_db()
    return permit


def _contractor(permit_type: PermitType) -> License | None:
    """An active license of a trade the type accepts (any, for a type that accepts any)."""
    accepted = permit_type.contractor_license_types.all()
    licenses = License.objects.filter(
        status=LicenseStatus.ACTIVE,
        expires_on__gt=timezone.localdate() + datetime.timedelta(days=30),
    )
    if accepted.exists():
        licenses = licenses.filter(license_type__in=accepted)
    return licenses.order_by("number").first()


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
    return inspection_book(permit=permit, day=free[0].day, period=free[0].period, actor=applicant)
