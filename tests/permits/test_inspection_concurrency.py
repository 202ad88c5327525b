"""Many applicants booking the last place at once: exactly one gets it (real threads, each
with its own PostgreSQL connection)."""

import datetime

import pytest

from permits.exceptions import SlotFull
from permits.models import Inspection, InspectionSlot, InspectionStatus, InspectorShift
from permits.services.inspections import inspection_book
from tests.concurrency import run_together
from tests.permits.inspection_factories import (
    NOW,
    WEDNESDAY,
    inspector,
    issued_permit,
    open_slots,
)

pytestmark = pytest.mark.django_db(transaction=True)

BOOKERS = 10


def test_ten_bookers_of_the_last_place_leave_exactly_one_booked():
    # given: an inspector with one place on Wednesday morning, and ten issued permits
    person = inspector(capacity=1, weekdays=[2], periods=["am"])
    open_slots()
    permits = [issued_permit() for _ in range(BOOKERS)]

    def attempt(i: int) -> str:
        permit = permits[i]
        try:
            inspection_book(
                permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
            )
        except SlotFull as full:
            assert "fully booked" in str(full)
            return "full"
        return "booked"

    # when
    outcomes = run_together(BOOKERS, attempt)

    # then
    assert sorted(outcomes) == ["booked"] + ["full"] * (BOOKERS - 1)
    slot = InspectionSlot.objects.get(inspector=person, day=WEDNESDAY, period="am")
    assert slot.booked == 1
    assert Inspection.objects.filter(slot=slot, status=InspectionStatus.SCHEDULED).count() == 1


def test_ten_bookers_of_one_exact_time_leave_exactly_one_booked():
    # given: an inspector whose Wednesday morning is at exact times, and ten issued permits
    person = inspector(capacity=4, weekdays=[2], periods=["am"])
    InspectorShift.objects.filter(inspector=person).update(appointment_minutes=60)
    open_slots()
    permits = [issued_permit() for _ in range(BOOKERS)]
    nine = datetime.time(9, 0)

    def attempt(i: int) -> str:
        permit = permits[i]
        try:
            inspection_book(
                permit=permit, day=WEDNESDAY, starts_at=nine, actor=permit.case.applicant, now=NOW
            )
        except SlotFull as full:
            assert "is now booked" in str(full)
            return "full"
        return "booked"

    # when
    outcomes = run_together(BOOKERS, attempt)

    # then
    assert sorted(outcomes) == ["booked"] + ["full"] * (BOOKERS - 1)
    slot = InspectionSlot.objects.get(inspector=person, day=WEDNESDAY, starts_at=nine)
    assert slot.booked == 1
    assert Inspection.objects.filter(slot=slot, status=InspectionStatus.SCHEDULED).count() == 1
