"""Booking, moving, cancelling and resulting inspections: every rule at its boundary."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.areas.models import Area
from cases.models import CaseEvent
from cases.service_levels import Holiday
from notifications.models import Notification
from notifications.services import reminders_run
from payments.models import Invoice
from permits import inspection_events as ev
from permits import workflow as wf
from permits.exceptions import BookingBlocked, InspectionRefused, SlotFull
from permits.models import (
    CertificateOfOccupancy,
    InspectionResult,
    InspectionSlot,
    InspectionStatus,
    InspectionStep,
    Permit,
)
from permits.selectors_inspections import availability, booking_blockers, next_step
from permits.services.inspections import (
    inspection_book,
    inspection_cancel,
    inspection_record_result,
    inspection_reschedule,
    slots_open,
)
from permits.services.issuance import permit_fee_invoice
from tests.accounts.factories import StaffFactory
from tests.permits.factories import department
from tests.permits.inspection_factories import (
    NOW,
    THURSDAY,
    TUESDAY,
    WEDNESDAY,
    approved_permit,
    at,
    inspector,
    issued_permit,
    open_slots,
    pay,
)

pytestmark = pytest.mark.django_db


def book(permit, day=WEDNESDAY, period="am", now=NOW, **kwargs):
    return inspection_book(
        permit=permit, day=day, period=period, actor=permit.case.applicant, now=now, **kwargs
    )


@pytest.fixture
def one_inspector():
    person = inspector(capacity=1)
    open_slots()
    return person


def test_the_applicant_books_the_next_required_inspection(one_inspector):
    # given
    permit = issued_permit()

    # when
    inspection = book(permit)

    # then
    permit.case.refresh_from_db()
    assert inspection.step == InspectionStep.objects.get(permit_type=permit.permit_type, order=0)
    assert inspection.inspector == one_inspector
    assert inspection.remind_on == TUESDAY
    assert InspectionSlot.objects.get(pk=inspection.slot_id).booked == 1
    assert permit.case.status == wf.INSPECTIONS
    assert CaseEvent.objects.filter(case=permit.case, kind=ev.INSPECTION_BOOKED).exists()


@pytest.mark.parametrize(
    ("now", "day", "code"),
    [
        (at(TUESDAY, 12, 0), WEDNESDAY, "cutoff"),
        (NOW, TUESDAY, "past"),
        (NOW, datetime.date(2027, 3, 13), "weekend"),
        (NOW, datetime.date(2027, 3, 24), "too_far"),  # the 11th working day
    ],
)
def test_a_day_the_rules_refuse_books_nothing(one_inspector, now, day, code):
    # given
    permit = issued_permit()

    # when
    with pytest.raises(InspectionRefused) as refused:
        book(permit, day=day, now=now)

    # then
    assert refused.value.code == code
    assert not permit.inspections.exists()


def test_the_cutoff_leaves_the_next_day_open_until_noon(one_inspector):
    permit = issued_permit()
    assert book(permit, now=at(TUESDAY, 11, 59)).day == WEDNESDAY


def test_a_holiday_has_no_slots_and_cannot_be_booked():
    # given: Thursday closed
    Holiday.objects.create(date=THURSDAY, name="Storm closure")
    inspector()
    open_slots()
    permit = issued_permit()

    # then
    assert not InspectionSlot.objects.filter(day=THURSDAY).exists()
    assert THURSDAY not in {half.day for half in availability(permit=permit, now=NOW)}
    with pytest.raises(InspectionRefused) as refused:
        book(permit, day=THURSDAY)
    assert refused.value.code == "closed"


def test_no_inspector_is_booked_beyond_capacity(one_inspector):
    # given: one place on Wednesday morning, taken
    first, second = issued_permit(), issued_permit()
    book(first)

    # when / then
    with pytest.raises(SlotFull, match="fully booked"):
        book(second)
    assert not second.inspections.exists()
    assert book(second, period="pm").period == "pm"


def test_a_second_inspector_takes_the_next_booking():
    # given
    inspector(capacity=1)
    inspector(capacity=1)
    open_slots()
    first, second = issued_permit(), issued_permit()

    # when
    a, b = book(first), book(second)

    # then
    assert a.inspector != b.inspector


def test_the_database_refuses_an_overbooked_slot(one_inspector):
    slot = InspectionSlot.objects.filter(inspector=one_inspector).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectionSlot.objects.filter(pk=slot.pk).update(booked=slot.capacity + 1)


def test_an_area_is_served_by_its_inspectors_and_the_general_ones():
    # given: an inspector for the agency's 62704 area only (a ZIP-only area), full; none
    # elsewhere
    area = Area.objects.create(code="west", name="West", postal_codes=["62704"])
    inspector(capacity=1, area=area)
    open_slots()
    west = issued_permit(address="5 Oak Street, Springfield, IL 62704")
    east = issued_permit(address="9 Pine Street, Springfield, IL 62701")

    # then: the west permit books; the other area has nobody
    assert book(west).inspector.inspection_shifts.first().area == area
    assert availability(permit=east, now=NOW) == []
    with pytest.raises(SlotFull):
        book(east)


def test_availability_lists_free_half_days_only(one_inspector):
    permit, other = issued_permit(), issued_permit()
    book(other)
    halves = {(half.day, half.period) for half in availability(permit=permit, now=NOW)}
    assert (WEDNESDAY, "am") not in halves
    assert (WEDNESDAY, "pm") in halves


# --- Blocked, with the reason and what to do --------------------------------------------------


def test_a_permit_not_issued_yet_says_to_pay_the_permit_fee(one_inspector):
    permit = approved_permit()
    with pytest.raises(BookingBlocked) as blocked:
        book(permit)
    assert blocked.value.code == "not_issued"
    assert "Pay the permit fee" in str(blocked.value)


def test_an_approved_permit_links_its_unpaid_permit_fee_invoice(one_inspector):
    # given: an approved permit invoiced for its permit fee
    permit = approved_permit()
    invoice = permit_fee_invoice(permit=permit).invoice

    # when
    blockers = booking_blockers(permit=permit)

    # then: the applicant is told to pay it and is given the invoice to pay
    assert [(b.code, b.invoice) for b in blockers] == [("not_issued", invoice)]


def test_an_expired_permit_says_to_ask_for_an_extension(one_inspector):
    permit = issued_permit()
    Permit.objects.filter(pk=permit.pk).update(expires_at=timezone.now())
    permit.refresh_from_db()
    with pytest.raises(BookingBlocked) as blocked:
        book(permit, now=timezone.localtime() + datetime.timedelta(minutes=1))
    assert blocked.value.code == "expired"
    assert "extension" in str(blocked.value)


def test_a_booked_inspection_blocks_another(one_inspector):
    permit = issued_permit()
    book(permit)
    with pytest.raises(BookingBlocked) as blocked:
        book(permit, period="pm")
    assert blocked.value.code == "booked"


def test_a_later_inspection_waits_for_the_earlier_one(one_inspector):
    permit = issued_permit(steps=3)
    later = InspectionStep.objects.get(permit_type=permit.permit_type, order=20)
    with pytest.raises(InspectionRefused) as refused:
        book(permit, step=later)
    assert refused.value.code == "earlier_not_passed"
    assert "Step 1" in str(refused.value)


def test_someone_else_cannot_book_the_permit(one_inspector, other_resident):
    permit = issued_permit()
    with pytest.raises(InspectionRefused):
        inspection_book(permit=permit, day=WEDNESDAY, period="am", actor=other_resident, now=NOW)


# --- Moving and cancelling ---------------------------------------------------------------------


def test_the_applicant_cancels_until_the_deadline_on_the_day(one_inspector):
    # given
    permit = issued_permit()
    inspection = book(permit)

    # when: 6:30 on the day has come
    with pytest.raises(InspectionRefused) as refused:
        inspection_cancel(
            inspection=inspection, actor=permit.case.applicant, now=at(WEDNESDAY, 6, 30)
        )
    assert refused.value.code == "deadline"

    # when: a minute earlier
    inspection_cancel(inspection=inspection, actor=permit.case.applicant, now=at(WEDNESDAY, 6, 29))

    # then: the place is free again
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.CANCELLED
    assert InspectionSlot.objects.get(pk=inspection.slot_id).booked == 0


def test_the_applicant_moves_within_the_rules_and_the_old_place_frees(one_inspector):
    permit = issued_permit()
    inspection = book(permit)
    moved = inspection_reschedule(
        inspection=inspection, day=THURSDAY, period="pm", actor=permit.case.applicant, now=NOW
    )
    assert (moved.day, moved.period) == (THURSDAY, "pm")
    assert moved.remind_on == WEDNESDAY
    assert InspectionSlot.objects.get(day=WEDNESDAY, period="am").booked == 0
    assert InspectionSlot.objects.get(day=THURSDAY, period="pm").booked == 1


def test_a_move_to_a_full_half_day_changes_nothing(one_inspector):
    permit, other = issued_permit(), issued_permit()
    inspection = book(permit)
    book(other, day=THURSDAY)
    with pytest.raises(SlotFull):
        inspection_reschedule(
            inspection=inspection, day=THURSDAY, period="am", actor=permit.case.applicant, now=NOW
        )
    inspection.refresh_from_db()
    assert inspection.day == WEDNESDAY
    assert InspectionSlot.objects.get(day=WEDNESDAY, period="am").booked == 1


def test_staff_moving_an_inspection_tells_the_applicant_at_once(one_inspector):
    # given
    permit = issued_permit()
    inspection = book(permit)
    clerk = StaffFactory(roles=[("clerk", department(wf.DEPARTMENT_CODE))])
    told_before = Notification.objects.filter(recipient=permit.case.applicant).count()

    # when: after the applicant's deadline, staff move it, with a reason
    inspection_reschedule(
        inspection=inspection,
        day=THURSDAY,
        period="am",
        actor=clerk,
        reason="Inspector off sick",
        now=at(WEDNESDAY, 7),
    )

    # then
    event = CaseEvent.objects.get(case=permit.case, kind=ev.INSPECTION_MOVED)
    assert event.payload["by_staff"] is True
    assert Notification.objects.filter(recipient=permit.case.applicant).count() > told_before


def test_staff_must_say_why_they_cancel(one_inspector):
    permit = issued_permit()
    inspection = book(permit)
    clerk = StaffFactory(roles=[("clerk", department(wf.DEPARTMENT_CODE))])
    with pytest.raises(InspectionRefused):
        inspection_cancel(inspection=inspection, actor=clerk, now=NOW)
    inspection_cancel(inspection=inspection, actor=clerk, reason="Road closed", now=NOW)
    assert CaseEvent.objects.get(case=permit.case, kind=ev.INSPECTION_CANCELLED).payload["by_staff"]


# --- Results ----------------------------------------------------------------------------------


def result(inspection, result_code, now=None, **kwargs):
    return inspection_record_result(
        inspection=inspection,
        actor=inspection.inspector,
        result=result_code,
        now=now or at(WEDNESDAY, 10),
        **kwargs,
    )


@pytest.mark.parametrize("code", ["failed", "partial", "cancelled"])
def test_a_result_without_a_reason_is_refused(one_inspector, code):
    inspection = book(issued_permit())
    with pytest.raises(InspectionRefused) as refused:
        result(inspection, code, comments="  ")
    assert refused.value.code == "reason"
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.SCHEDULED


def test_the_database_refuses_a_failure_without_a_reason(one_inspector):
    inspection = book(issued_permit())
    with pytest.raises(IntegrityError), transaction.atomic():
        type(inspection).objects.filter(pk=inspection.pk).update(
            status="done", result="failed", resulted_at=timezone.now()
        )


def test_only_its_inspector_records_the_result(one_inspector):
    inspection = book(issued_permit())
    stranger = inspector()
    with pytest.raises(InspectionRefused):
        inspection_record_result(
            inspection=inspection, actor=stranger, result="passed", now=at(WEDNESDAY, 10)
        )


def test_a_result_waits_for_the_inspection_day(one_inspector):
    inspection = book(issued_permit())
    with pytest.raises(InspectionRefused) as refused:
        result(inspection, "passed", now=NOW)
    assert refused.value.code == "early"


def test_a_failure_charges_the_reinspection_fee_and_blocks_until_paid(one_inspector):
    # given: a type charging $75 from the first failure
    permit = issued_permit(fee={"fee_cents": 7500, "free_failures": 0})
    inspection = book(permit)

    # when
    failed = result(inspection, "failed", deficiencies="Footing too shallow.")

    # then: the fee is invoiced and blocks the next booking, with what to do
    assert failed.fee_invoice.total_cents == 7500
    blockers = booking_blockers(permit=permit, now=at(WEDNESDAY, 11))
    assert [b.code for b in blockers] == ["unpaid"]
    assert failed.fee_invoice.reference in blockers[0].reason
    with pytest.raises(BookingBlocked):
        book(permit, day=THURSDAY, now=at(WEDNESDAY, 11))

    # when: paid
    pay(Invoice.objects.get(pk=failed.fee_invoice_id))

    # then: the same step is booked again
    again = book(permit, day=THURSDAY, now=at(WEDNESDAY, 11))
    assert again.step_id == inspection.step_id


def test_free_failures_are_not_charged(one_inspector):
    permit = issued_permit(fee={"fee_cents": 7500, "free_failures": 1})
    failed = result(book(permit), "failed", comments="Not ready.")
    assert failed.fee_invoice is None


def test_a_partial_pass_needs_another_inspection_without_a_fee(one_inspector):
    permit = issued_permit(fee={"fee_cents": 7500})
    partial = result(book(permit), "partial", deficiencies="Two outlets missing.")
    assert partial.fee_invoice is None
    assert next_step(permit) == partial.step


def test_a_pass_restarts_the_validity_and_moves_to_the_next_inspection(one_inspector):
    permit = issued_permit()
    Permit.objects.filter(pk=permit.pk).update(
        expires_at=timezone.now() + datetime.timedelta(days=3)
    )
    passed = result(book(permit), InspectionResult.PASSED)
    permit.refresh_from_db()
    assert permit.expires_at > timezone.now() + datetime.timedelta(days=179)
    assert next_step(permit) != passed.step


def test_the_final_inspection_passing_finals_the_permit_with_a_certificate(one_inspector):
    # given: a one-inspection type giving a certificate of occupancy
    permit = issued_permit(steps=1, co=True)

    # when
    result(book(permit), InspectionResult.PASSED, comments="All good.")

    # then
    permit = Permit.objects.select_related("case").get(pk=permit.pk)
    assert permit.case.status == wf.FINALED
    assert permit.finaled_at is not None
    certificate = CertificateOfOccupancy.objects.get(permit=permit)
    assert certificate.number == f"CO-{permit.permit_number}"
    assert [b.code for b in booking_blockers(permit=permit)] == ["finaled"]


def test_a_type_without_a_certificate_finals_without_one(one_inspector):
    permit = issued_permit(steps=1, co=False)
    result(book(permit), InspectionResult.PASSED)
    assert not CertificateOfOccupancy.objects.filter(permit=permit).exists()


def test_slots_are_opened_once():
    inspector(capacity=2)
    assert slots_open(start=TUESDAY, end=THURSDAY) == 6
    assert slots_open(start=TUESDAY, end=THURSDAY) == 0


# --- The reminder the working day before --------------------------------------------------


def reminders(permit):
    return Notification.objects.filter(
        template_key="permits/inspection_reminder", recipient=permit.case.applicant
    )


def test_the_reminder_goes_out_the_working_day_before_and_once(one_inspector):
    # given: booked on Tuesday for Wednesday
    permit = issued_permit()
    book(permit)

    # when: the daily run on Monday, then twice on Tuesday
    reminders_run(today=TUESDAY - datetime.timedelta(days=1), source="permits.inspection_day")
    nothing_yet = reminders(permit).count()
    reminders_run(today=TUESDAY, source="permits.inspection_day")
    reminders_run(today=TUESDAY, source="permits.inspection_day")

    # then
    assert nothing_yet == 0
    sent = reminders(permit).filter(channel="email").get()
    assert sent.context["day_on"] == WEDNESDAY.isoformat()
    assert "/inspections/" in sent.link_url


def test_the_reminder_of_a_monday_inspection_goes_out_on_friday_and_follows_a_move(
    one_inspector,
):
    # given: a Monday inspection, after a holiday on the Friday before
    monday = TUESDAY + datetime.timedelta(days=6)
    friday, thursday = monday - datetime.timedelta(days=3), monday - datetime.timedelta(days=4)
    Holiday.objects.create(date=friday, name="Agency holiday")
    permit = issued_permit()
    inspection = book(permit, day=monday)

    # then: the working day before is Thursday
    assert inspection.remind_on == thursday

    # when: moved to the Wednesday after, the Thursday run sends nothing, the Tuesday's does
    wednesday = monday + datetime.timedelta(days=2)
    inspection_reschedule(
        inspection=inspection, day=wednesday, period="am", actor=permit.case.applicant, now=NOW
    )
    reminders_run(today=thursday, source="permits.inspection_day")
    before = reminders(permit).count()
    reminders_run(today=monday + datetime.timedelta(days=1), source="permits.inspection_day")

    # then
    assert before == 0
    assert reminders(permit).filter(channel="email").get().context["day_on"] == (
        wednesday.isoformat()
    )
