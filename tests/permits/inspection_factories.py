"""Issued permits with their required inspections, inspectors with weekly shifts, and the
clock the booking rules are tested against."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from cases.services import transition
from payments.services import payment_record_counter
from permits import workflow as wf
from permits.models import InspectorShift, Permit, ReinspectionFee
from permits.services.inspections import slots_open
from permits.services.issuance import permit_fee_invoice
from tests.accounts.factories import StaffFactory
from tests.permits.factories import (
    InspectionStepFactory,
    PermitFactory,
    PermitTypeFactory,
    department,
)

TZ = ZoneInfo("America/New_York")


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


# A Tuesday morning with no holiday for weeks around it.
TUESDAY = datetime.date(2027, 3, 9)
WEDNESDAY = datetime.date(2027, 3, 10)
THURSDAY = datetime.date(2027, 3, 11)
NOW = at(TUESDAY, 10)


def inspector(*, capacity: int = 1, area=None, weekdays=range(5), periods=("am", "pm")):
    """An inspector of the building department with the same shift every weekday."""
    user = StaffFactory(roles=[("inspector", department(wf.DEPARTMENT_CODE))])
    for weekday in weekdays:
        for period in periods:
            InspectorShift.objects.create(
                inspector=user, weekday=weekday, period=period, capacity=capacity, area=area
            )
    return user


def open_slots(start: datetime.date = TUESDAY, days: int = 30) -> None:
    slots_open(start=start, end=start + datetime.timedelta(days=days))


def cashier():
    return StaffFactory(roles=["cashier"])


def pay(invoice) -> None:
    payment_record_counter(
        invoice=invoice, method="cash", amount_cents=invoice.balance_cents, actor=cashier()
    )


def approved_permit(*, steps: int = 2, co: bool = True, fee=None, **permit_kwargs) -> Permit:
    """A permit whose plan review approved it, waiting for its permit fee."""
    permit_type = PermitTypeFactory(gives_certificate_of_occupancy=co)
    for position in range(steps):
        InspectionStepFactory(
            permit_type=permit_type,
            order=position * 10,
            code=f"step-{position}",
            name=f"Step {position + 1}",
            final=position == steps - 1,
        )
    if fee is not None:
        ReinspectionFee.objects.create(permit_type=permit_type, **fee)
    permit_kwargs.setdefault("permit_fee_cents", 30000)
    permit_kwargs.setdefault("plan_review_fee_cents", 10000)
    permit = PermitFactory(permit_type=permit_type, submit=True, **permit_kwargs)
    transition(case=permit.case, to_status=wf.IN_REVIEW, actor=None)
    transition(case=permit.case, to_status=wf.APPROVED, actor=None)
    permit.refresh_from_db()
    return permit


def issued_permit(**kwargs) -> Permit:
    """A permit issued by paying its permit fee at the counter."""
    permit = approved_permit(**kwargs)
    issuance = permit_fee_invoice(permit=permit)
    if issuance.invoice is not None:
        pay(issuance.invoice)
    permit = Permit.objects.select_related("case", "permit_type").get(pk=permit.pk)
    assert permit.case.status == wf.ISSUED
    return permit
