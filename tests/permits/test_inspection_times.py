"""Inspections at exact times: a shift the administrator sets to exact times is offered as
times, each one inspection, under the same cut-off, days-ahead and holiday rules, with the
capacity held by the database."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from cases.service_levels import Holiday
from permits.exceptions import InspectionRefused, SlotFull
from permits.models import InspectionSlot, InspectorShift
from permits.selectors_inspections import availability
from permits.services.inspections import inspection_book, inspection_reschedule, slots_open
from tests.accounts.factories import StaffFactory
from tests.permits.inspection_factories import (
    NOW,
    THURSDAY,
    TUESDAY,
    WEDNESDAY,
    at,
    inspector,
    issued_permit,
    open_slots,
)

pytestmark = pytest.mark.django_db

NINE, TEN = datetime.time(9, 0), datetime.time(10, 0)


def timed_inspector(*, minutes=60, capacity=4, periods=("am",)):
    person = inspector(capacity=capacity, periods=periods)
    InspectorShift.objects.filter(inspector=person).update(appointment_minutes=minutes)
    return person


def book_at(permit, day=WEDNESDAY, starts_at=NINE, now=NOW):
    return inspection_book(
        permit=permit, day=day, starts_at=starts_at, actor=permit.case.applicant, now=now
    )


def test_a_shift_at_exact_times_opens_one_place_per_quarter_hour():
    # given
    person = timed_inspector(minutes=60, capacity=4)

    # when
    open_slots()

    # then: 8:00 to noon in quarter hours, each keeping the shift's hour
    slots = InspectionSlot.objects.filter(inspector=person, day=WEDNESDAY).order_by("starts_at")
    assert [(slot.starts_at, slot.capacity, slot.shift_minutes) for slot in slots] == [
        (datetime.time(hour, minute), 1, 60)
        for hour in (8, 9, 10, 11)
        for minute in (0, 15, 30, 45)
    ]
    assert all(slot.period == "am" for slot in slots)


def test_the_times_on_offer_are_listed_and_a_taken_time_drops_out():
    # given
    timed_inspector(minutes=90, capacity=2)
    open_slots()
    permit = issued_permit()

    # when
    offered = [h for h in availability(permit=permit, now=NOW) if h.day == WEDNESDAY]
    book_at(permit, starts_at=datetime.time(9, 30))
    after = [h for h in availability(permit=issued_permit(), now=NOW) if h.day == WEDNESDAY]

    # then
    assert [(h.starts_at, h.value) for h in offered] == [
        (datetime.time(8, 0), "2027-03-10:am:08:00"),
        (datetime.time(9, 30), "2027-03-10:am:09:30"),
    ]
    assert [h.starts_at for h in after] == [datetime.time(8, 0)]


def test_one_time_is_one_inspection():
    # given
    timed_inspector()
    open_slots()
    first = book_at(issued_permit())

    # when / then
    with pytest.raises(SlotFull, match="09:00 on 2027-03-10 is now booked"):
        book_at(issued_permit())
    assert first.starts_at == NINE
    assert first.period == "am"
    assert InspectionSlot.objects.get(day=WEDNESDAY, starts_at=NINE).booked == 1
    assert book_at(issued_permit(), starts_at=TEN).starts_at == TEN


def test_a_time_no_shift_offers_books_nothing():
    timed_inspector()
    open_slots()
    permit = issued_permit()
    with pytest.raises(SlotFull):
        book_at(permit, starts_at=datetime.time(9, 15))
    with pytest.raises(InspectionRefused):
        book_at(permit, starts_at=datetime.time(17, 0))
    with pytest.raises(SlotFull):  # the morning as a block: this shift offers times only
        inspection_book(
            permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
        )
    assert not permit.inspections.exists()


@pytest.mark.parametrize(
    ("now", "day", "code"),
    [
        (at(TUESDAY, 12, 0), WEDNESDAY, "cutoff"),
        (at(TUESDAY, 10), TUESDAY, "past"),
        (at(TUESDAY, 10), datetime.date(2027, 3, 13), "weekend"),
        (at(TUESDAY, 10), datetime.date(2027, 3, 24), "too_far"),
    ],
)
def test_the_booking_rules_hold_for_exact_times(now, day, code):
    # given
    timed_inspector()
    open_slots(start=TUESDAY - datetime.timedelta(days=1))
    permit = issued_permit()

    # when
    with pytest.raises(InspectionRefused) as refused:
        book_at(permit, day=day, now=now)

    # then
    assert refused.value.code == code
    assert not permit.inspections.exists()


def test_the_cutoff_and_the_last_day_ahead_are_bookable_at_their_boundary():
    timed_inspector()
    open_slots()
    assert book_at(issued_permit(), now=at(TUESDAY, 11, 59)).day == WEDNESDAY
    # Ten working days after Tuesday 9 March: Tuesday 23 March.
    assert book_at(issued_permit(), day=datetime.date(2027, 3, 23)).day.day == 23


def test_a_holiday_offers_no_times():
    # given
    Holiday.objects.create(date=THURSDAY, name="Agency holiday")
    timed_inspector()
    open_slots()
    permit = issued_permit()

    # then
    assert not InspectionSlot.objects.filter(day=THURSDAY).exists()
    assert THURSDAY not in {h.day for h in availability(permit=permit, now=NOW)}
    with pytest.raises(InspectionRefused) as refused:
        book_at(permit, day=THURSDAY)
    assert refused.value.code == "closed"


def test_the_applicant_moves_to_another_time_and_the_old_one_frees():
    # given
    timed_inspector()
    open_slots()
    permit = issued_permit()
    inspection = book_at(permit)

    # when
    moved = inspection_reschedule(
        inspection=inspection,
        day=THURSDAY,
        starts_at=TEN,
        actor=permit.case.applicant,
        now=NOW,
    )

    # then
    assert (moved.day, moved.starts_at, moved.period) == (THURSDAY, TEN, "am")
    assert InspectionSlot.objects.get(day=WEDNESDAY, starts_at=NINE).booked == 0
    assert InspectionSlot.objects.get(day=THURSDAY, starts_at=TEN).booked == 1


def test_the_database_refuses_a_second_inspection_at_one_time():
    timed_inspector()
    open_slots()
    slot = InspectionSlot.objects.filter(starts_at=NINE).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectionSlot.objects.filter(pk=slot.pk).update(capacity=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectionSlot.objects.filter(pk=slot.pk).update(booked=2)


def test_the_database_refuses_a_block_over_the_times_of_one_inspector():
    # given: the inspector's Wednesday morning is opened as times
    person = timed_inspector()
    open_slots()
    times = InspectionSlot.objects.get(inspector=person, day=WEDNESDAY, starts_at=NINE)

    # when / then: a morning block for the same inspector overlaps them
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectionSlot.objects.create(
            inspector=person, day=WEDNESDAY, period="am", capacity=3, span=times.span
        )


def test_changing_a_shift_to_times_leaves_the_opened_days_as_they_are():
    # given: blocks opened for three weeks, then the shift set to exact times
    person = inspector(capacity=3, periods=("am",))
    open_slots(days=7)
    InspectorShift.objects.filter(inspector=person).update(appointment_minutes=60)

    # when: the days are opened again, further ahead
    slots_open(start=TUESDAY, end=TUESDAY + datetime.timedelta(days=14))

    # then
    assert InspectionSlot.objects.get(inspector=person, day=WEDNESDAY).starts_at is None
    later = WEDNESDAY + datetime.timedelta(days=7)
    assert InspectionSlot.objects.filter(inspector=person, day=later).count() == 3 * 4


def test_times_that_do_not_fit_in_a_half_day_are_refused():
    person = inspector(capacity=5, periods=("am",))
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectorShift.objects.filter(inspector=person).update(appointment_minutes=60)
    InspectorShift.objects.filter(inspector=person).update(appointment_minutes=45)


def test_the_booking_page_shows_times_and_books_one_without_javascript(client):
    # given
    timed_inspector(periods=("am", "pm"))
    open_slots()
    permit = issued_permit()
    client.force_login(permit.case.applicant)
    url = reverse("permits:inspections", args=[permit.case.reference])

    # when
    page = client.get(url)

    # then
    choice = page.context["half_days"][1]
    html = page.content.decode()
    assert choice.starts_at is not None
    assert f'value="{choice.value}"' in html
    assert "at 9 a.m." in html or "at 9:00" in html
    assert "booked at an exact time" in html

    # when
    response = client.post(url, {"action": "book", "slot": choice.value})

    # then
    assert response.status_code == 302
    booked = permit.inspections.get()
    assert (booked.day, booked.starts_at) == (choice.day, choice.starts_at)
    page = client.get(url)
    assert b", at " in page.content


# --- The back office ------------------------------------------------------------------------


@pytest.fixture
def administrator(client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = StaffFactory(is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


def test_the_administrator_sets_a_shift_to_exact_times_that_fit(client, administrator):
    # given
    person = StaffFactory()
    url = reverse("admin:permits_inspectorshift_add")
    form = {"inspector": person.pk, "weekday": 0, "period": "am", "area": "", "capacity": 5}

    # when: five inspections of an hour, then of 45 minutes
    refused = client.post(url, {**form, "appointment_minutes": 60})
    saved = client.post(url, {**form, "appointment_minutes": 45})

    # then
    assert refused.status_code == 200
    assert "do not fit in a half-day of 4 hours" in refused.content.decode()
    assert saved.status_code == 302
    assert InspectorShift.objects.get(inspector=person).appointment_minutes == 45


def test_staff_move_an_inspection_to_an_exact_time_from_the_back_office(client, administrator):
    # given
    timed_inspector()
    open_slots()
    permit = issued_permit()
    inspection = book_at(permit)
    url = reverse("admin:permits_inspection_move", args=[inspection.pk])

    # when
    response = client.post(
        url,
        {
            "action": "move",
            "day": THURSDAY.isoformat(),
            "starts_at": "11:00",
            "reason": "Inspector off sick in the morning",
        },
    )

    # then
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert (inspection.day, inspection.starts_at) == (THURSDAY, datetime.time(11))
    assert InspectionSlot.objects.get(day=WEDNESDAY, starts_at=NINE).booked == 0
