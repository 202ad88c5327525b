"""Exact times in quarter hours: a shift at exact times opens its working time in parts of 15
minutes, an inspection holds as many of them as its length needs (30 minutes two, 20 minutes
two, an hour four), and what it leaves free stays bookable. Starts are offered every shift's
minutes from the start of the half-day and right after each booked inspection; nothing runs
past the end of the inspector's working time."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, translation

from permits.exceptions import InspectionRefused, SlotFull
from permits.models import Inspection, InspectionSlot, InspectionStatus, InspectorShift
from permits.selectors_inspections import availability
from permits.services.inspections import inspection_book, inspection_reschedule
from tests.concurrency import run_together
from tests.permits.inspection_factories import (
    NOW,
    WEDNESDAY,
    inspector,
    issued_permit,
    open_slots,
)


def t(hour: int, minute: int = 0) -> datetime.time:
    return datetime.time(hour, minute)


def hourly_inspector(*, capacity=4, periods=("am",), weekdays=range(5)):
    """An inspector whose mornings are at exact times on the hour: 8:00 to noon by default."""
    person = inspector(capacity=capacity, weekdays=weekdays, periods=periods)
    InspectorShift.objects.filter(inspector=person).update(appointment_minutes=60)
    return person


def permit_needing(minutes):
    permit = issued_permit(steps=1)
    permit.permit_type.inspection_steps.update(minutes=minutes)
    return permit


def offered(permit, day=WEDNESDAY, moving=None):
    return [
        h.starts_at
        for h in availability(permit=permit, now=NOW, moving=moving)
        if h.day == day and h.starts_at is not None
    ]


def book_at(permit, starts_at, day=WEDNESDAY):
    return inspection_book(
        permit=permit, day=day, starts_at=starts_at, actor=permit.case.applicant, now=NOW
    )


def held(person, day=WEDNESDAY):
    return list(
        InspectionSlot.objects.filter(inspector=person, day=day, booked__gt=0)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )


@pytest.mark.django_db
class TestQuarterHours:
    def test_a_shift_at_exact_times_opens_its_working_time_in_quarter_hours(self):
        person = hourly_inspector(capacity=2)
        open_slots()
        units = InspectionSlot.objects.filter(inspector=person, day=WEDNESDAY)
        assert [row.starts_at for row in units.order_by("starts_at")] == [
            t(8), t(8, 15), t(8, 30), t(8, 45), t(9), t(9, 15), t(9, 30), t(9, 45)
        ]  # fmt: skip
        assert {(row.capacity, row.span.upper - row.span.lower) for row in units} == {
            (1, datetime.timedelta(minutes=15))
        }

    def test_a_half_hour_at_nine_leaves_half_past_nine_to_another_half_hour(self):
        # given: an hourly shift, and a 30-minute inspection at 9:00
        person = hourly_inspector()
        open_slots()
        first = book_at(permit_needing(30), t(9))

        # then: it holds 9:00 and 9:15 only; 9:30 is offered right after it
        assert held(person) == [t(9), t(9, 15)]
        assert first.span.upper - first.span.lower == datetime.timedelta(minutes=30)
        assert offered(permit_needing(30)) == [t(8), t(9, 30), t(10), t(11)]

        # when
        second = book_at(permit_needing(30), t(9, 30))

        # then
        assert second.starts_at == t(9, 30)
        assert held(person) == [t(9), t(9, 15), t(9, 30), t(9, 45)]
        assert offered(permit_needing(30)) == [t(8), t(10), t(11)]

    def test_an_hour_cannot_start_at_half_past_nine_when_ten_is_taken(self):
        # given: half an hour at 9:00 and an hour at 10:00
        hourly_inspector()
        open_slots()
        book_at(permit_needing(30), t(9))
        book_at(permit_needing(60), t(10))
        permit = permit_needing(60)

        # then: 9:30 to 10:30 would overlap 10:00
        assert t(9, 30) not in offered(permit)
        assert t(9, 30) in offered(permit_needing(30))
        with pytest.raises(SlotFull):
            book_at(permit, t(9, 30))
        assert not permit.inspections.exists()

    def test_a_length_between_quarter_hours_holds_the_next_quarter_hour_too(self):
        person = hourly_inspector()
        open_slots()
        twenty = book_at(permit_needing(20), t(9))
        assert twenty.span.upper - twenty.span.lower == datetime.timedelta(minutes=20)
        assert held(person) == [t(9), t(9, 15)]
        assert t(9, 30) in offered(permit_needing(30))

    def test_a_time_neither_on_the_hour_nor_after_a_booking_is_not_offered(self):
        hourly_inspector()
        open_slots()
        permit = permit_needing(30)
        assert t(9, 15) not in offered(permit)
        with pytest.raises(SlotFull) as refused:
            book_at(permit, t(9, 15))
        assert refused.value.code == "not_offered"
        assert "09:15" in str(refused.value)
        assert not permit.inspections.exists()

    def test_the_time_after_the_last_booking_never_runs_past_the_working_time(self):
        # given: a morning of two hours (8:00 to 10:00), half an hour at 9:00
        person = hourly_inspector(capacity=2)
        open_slots()
        book_at(permit_needing(30), t(9))

        # then: 9:30 fits half an hour, not an hour (the shift ends at 10:00)
        assert t(9, 30) in offered(permit_needing(30))
        assert t(9, 30) not in offered(permit_needing(60))
        permit = permit_needing(60)
        with pytest.raises(InspectionRefused) as refused:
            book_at(permit, t(9, 30))
        assert refused.value.code == "too_long"
        assert held(person) == [t(9), t(9, 15)]

    def test_the_shifts_minutes_are_the_length_of_an_inspection_without_its_own(self):
        person = hourly_inspector()
        open_slots()
        inspection = book_at(permit_needing(None), t(9))
        assert inspection.span.upper - inspection.span.lower == datetime.timedelta(minutes=60)
        assert held(person) == [t(9), t(9, 15), t(9, 30), t(9, 45)]

    def test_a_move_counts_the_inspections_own_time_as_free(self):
        # given: half an hour at 9:00 and another at 9:30
        person = hourly_inspector()
        open_slots()
        book_at(permit_needing(30), t(9))
        permit = permit_needing(30)
        inspection = book_at(permit, t(9, 30))

        # then: moving the second, its own 9:30 is not offered, 8:00 and 10:00 are
        assert offered(permit, moving=inspection) == [t(8), t(10), t(11)]

        # when: it moves to 10:00
        moved = inspection_reschedule(
            inspection=inspection,
            day=WEDNESDAY,
            starts_at=t(10),
            actor=permit.case.applicant,
            now=NOW,
        )

        # then: 9:30 is free again, and offered right after the first booking
        assert moved.starts_at == t(10)
        assert held(person) == [t(9), t(9, 15), t(10), t(10, 15)]
        assert t(9, 30) in offered(permit_needing(30))

    def test_the_database_refuses_a_second_inspection_in_a_quarter_hour(self):
        person = hourly_inspector()
        open_slots()
        unit = InspectionSlot.objects.get(inspector=person, day=WEDNESDAY, starts_at=t(9, 15))
        with pytest.raises(IntegrityError), transaction.atomic():
            InspectionSlot.objects.filter(pk=unit.pk).update(booked=2)


@pytest.mark.django_db
def test_the_administrator_is_told_the_minutes_go_by_quarter_hours(client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from tests.accounts.factories import StaffFactory

    user = StaffFactory(is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    person = StaffFactory()
    url = reverse("admin:permits_inspectorshift_add")
    form = {"inspector": person.pk, "weekday": 0, "period": "am", "area": "", "capacity": 4}

    refused = client.post(url, {**form, "appointment_minutes": 50})

    assert refused.status_code == 200
    assert "multiple of 15" in refused.content.decode()
    assert not InspectorShift.objects.filter(inspector=person).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectorShift.objects.create(
            inspector=person, weekday=0, period="am", capacity=4, appointment_minutes=50
        )


@pytest.mark.django_db
def test_the_inspectors_day_shows_when_each_inspection_ends(client):
    person = hourly_inspector()
    open_slots()
    book_at(permit_needing(30), t(9))
    book_at(permit_needing(60), t(9, 30))
    client.force_login(person)

    page = client.get(reverse("permits:inspector_day"), {"day": WEDNESDAY.isoformat()})

    html = page.content.decode()

    def shown(time):
        return formats.time_format(time, "TIME_FORMAT")

    with translation.override("en"):
        assert f"{shown(t(9))} to {shown(t(9, 30))}" in html
        assert f"{shown(t(9, 30))} to {shown(t(10, 30))}" in html


@pytest.mark.django_db(transaction=True)
def test_half_hours_and_hours_booked_at_once_right_after_a_booking_leave_one_booked():
    # given: half an hour booked at 9:00 of the only inspector (Wednesday)
    person = hourly_inspector(weekdays=[2])
    open_slots()
    book_at(permit_needing(30), t(9))
    halves = [permit_needing(30) for _ in range(4)]
    hours = [permit_needing(60) for _ in range(4)]

    def attempt(i: int) -> str:
        # everyone wants 9:30: the half hours to 10:00, the hours to 10:30
        permit = halves[i // 2] if i % 2 == 0 else hours[i // 2]
        try:
            book_at(permit, t(9, 30))
        except SlotFull:
            return "full"
        return "booked"

    # when
    outcomes = run_together(8, attempt)

    # then: one of them at 9:30, never two in a quarter hour
    assert sorted(outcomes) == ["booked"] + ["full"] * 7
    booked = Inspection.objects.filter(status=InspectionStatus.SCHEDULED, starts_at=t(9, 30))
    assert booked.count() == 1
    assert InspectionSlot.objects.filter(inspector=person, booked__gt=1).count() == 0
    unit = InspectionSlot.objects.get(inspector=person, day=WEDNESDAY, starts_at=t(9, 30))
    assert unit.booked == 1


@pytest.mark.django_db
def test_staff_placing_off_the_quarter_hours_are_told_any_quarter_hour_will_do():
    # given: an hourly morning; staff may place an inspection at any quarter hour of it
    from tests.accounts.factories import StaffFactory

    hourly_inspector()
    open_slots()
    permit = permit_needing(30)
    clerk = StaffFactory(is_superuser=True)

    # when: staff ask for 9:10, no quarter hour of any inspector
    with pytest.raises(SlotFull) as refused:
        inspection_book(permit=permit, day=WEDNESDAY, starts_at=t(9, 10), actor=clerk, now=NOW)

    # then: they are not sent to "the times offered" (those bind applicants only), but told
    # to choose a quarter hour of an inspector's working time
    message = str(refused.value)
    assert refused.value.code == "not_offered"
    assert "09:10" in message
    assert "quarter hour" in message
    assert "times offered" not in message
    assert not permit.inspections.exists()
    # and at 9:15 the same booking is taken
    booked = inspection_book(permit=permit, day=WEDNESDAY, starts_at=t(9, 15), actor=clerk, now=NOW)
    assert booked.starts_at == t(9, 15)
