"""What the database itself guarantees about bookings, whatever the code above it does."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import ProtectedError

from bookings.models import (
    Booking,
    BookingStatus,
    Lottery,
    LotteryRequest,
    LotteryRequestStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from tests.bookings.checkout_support import confirmed, pavilion
from tests.bookings.factories import FacilityFactory, booking_row

pytestmark = pytest.mark.django_db

START = datetime.datetime(2030, 6, 14, 15, 0, tzinfo=datetime.UTC)


def _refused(**kwargs) -> bool:
    try:
        with transaction.atomic():
            booking_row(**kwargs)
    except IntegrityError:
        return True
    return False


def test_two_bookings_of_one_facility_cannot_overlap():
    # given
    facility = FacilityFactory()
    booking_row(facility=facility, start=START, minutes=120)

    # then
    assert _refused(facility=facility, start=START + datetime.timedelta(minutes=60))
    assert _refused(facility=facility, start=START - datetime.timedelta(minutes=30))


def test_back_to_back_bookings_are_allowed_without_buffer():
    facility = FacilityFactory()
    booking_row(facility=facility, start=START)

    assert not _refused(facility=facility, start=START + datetime.timedelta(minutes=60))


@pytest.mark.parametrize(("gap_minutes", "refused"), [(29, True), (30, False)])
def test_the_buffer_is_kept_free_after_each_booking(gap_minutes, refused):
    # given: 30 minutes of buffer after each booking
    facility = FacilityFactory(buffer_minutes=30)
    booking_row(facility=facility, start=START)

    # then
    later = START + datetime.timedelta(minutes=60 + gap_minutes)
    assert _refused(facility=facility, start=later) is refused


@pytest.mark.parametrize(("gap_minutes", "refused"), [(29, True), (30, False)])
def test_a_booking_before_another_keeps_its_own_buffer(gap_minutes, refused):
    facility = FacilityFactory(buffer_minutes=30)
    booking_row(facility=facility, start=START)

    earlier = START - datetime.timedelta(minutes=60 + gap_minutes)
    assert _refused(facility=facility, start=earlier) is refused


def test_other_facilities_do_not_collide():
    booking_row(facility=FacilityFactory(), start=START)

    assert not _refused(facility=FacilityFactory(), start=START)


@pytest.mark.parametrize(
    "status", [BookingStatus.CANCELLED, BookingStatus.EXPIRED, BookingStatus.DECLINED]
)
def test_released_bookings_free_their_slot(status):
    facility = FacilityFactory()
    booking_row(facility=facility, start=START, status=status)

    assert not _refused(facility=facility, start=START)


@pytest.mark.parametrize(
    "status",
    [
        BookingStatus.HELD,
        BookingStatus.PENDING_PAYMENT,
        BookingStatus.PENDING_APPROVAL,
        BookingStatus.CONFIRMED,
    ],
)
def test_every_occupying_status_keeps_the_slot(status):
    facility = FacilityFactory()
    booking_row(facility=facility, start=START, status=status)

    assert _refused(facility=facility, start=START, status=BookingStatus.HELD)


def test_a_hold_needs_its_expiry():
    facility = FacilityFactory()
    booking = booking_row(facility=facility, start=START)
    booking.status = BookingStatus.HELD
    booking.hold_expires_at = None

    with pytest.raises(IntegrityError), transaction.atomic():
        booking.save()


def test_the_buffered_range_covers_the_booking():
    facility = FacilityFactory()
    booking = booking_row(facility=facility, start=START)
    booking.buffered = DateTimeTZRange(START, START + datetime.timedelta(minutes=30), "[)")

    with pytest.raises(IntegrityError), transaction.atomic():
        booking.save()


# --- The hold behind a waitlist offer or a lottery grant ------------------------------------


def _offered_entry(*, status: str = WaitlistStatus.OFFERED) -> WaitlistEntry:
    facility = FacilityFactory()
    hold = booking_row(facility=facility, start=START, status=BookingStatus.HELD)
    return WaitlistEntry.objects.create(
        facility=facility,
        period=hold.period,
        status=status,
        guest_name="Ana",
        guest_email="ana@example.com",
        household_key="email:ana@example.com",
        offer=hold,
        offer_expires_at=hold.hold_expires_at,
    )


@pytest.mark.parametrize(
    "status",
    [
        WaitlistStatus.OFFERED,
        WaitlistStatus.ACCEPTED,
        WaitlistStatus.LAPSED,
        WaitlistStatus.LEFT,
    ],
)
def test_the_hold_of_a_waitlist_offer_cannot_be_deleted(status):
    # given: a person offered a time, whatever became of the offer
    entry = _offered_entry(status=status)
    hold = entry.offer

    # when: something deletes the hold (an admin, a clean-up)
    with pytest.raises(ProtectedError), transaction.atomic():
        hold.delete()

    # then: the hold and the offer's record of it stay as they were
    entry.refresh_from_db()
    assert (entry.status, entry.offer_id) == (status, hold.pk)
    assert Booking.objects.filter(pk=hold.pk).exists()


def test_the_database_refuses_deleting_an_offers_hold_too():
    entry = _offered_entry()

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DELETE FROM bookings_booking WHERE id = %s", [entry.offer_id])


@pytest.mark.parametrize("status", [LotteryRequestStatus.GRANTED, LotteryRequestStatus.WITHDRAWN])
def test_the_hold_of_a_lottery_grant_cannot_be_deleted(status):
    # given: a request granted a hold by the draw
    facility = FacilityFactory()
    hold = booking_row(facility=facility, start=START, status=BookingStatus.HELD)
    lottery = Lottery.objects.create(
        facility=facility,
        first_day=START.date(),
        last_day=START.date(),
        opens_at=START - datetime.timedelta(days=40),
        closes_at=START - datetime.timedelta(days=30),
    )
    request = LotteryRequest.objects.create(
        lottery=lottery,
        period=hold.period,
        status=status,
        guest_email="ana@example.com",
        household_key="email:ana@example.com",
        booking=hold,
    )

    # when
    with pytest.raises(ProtectedError), transaction.atomic():
        hold.delete()

    # then
    request.refresh_from_db()
    assert (request.status, request.booking_id) == (status, hold.pk)


def test_one_booking_per_case_and_no_index_entry_for_a_booking_without_one():
    # given: a booking that went on to be a case, and holds that are not (yet) one
    booked, _invoice = confirmed(pavilion())
    facility, case = booked.facility, booked.case
    for hour in (2, 4):
        booking_row(
            facility=facility,
            start=START + datetime.timedelta(hours=hour),
            status=BookingStatus.HELD,
        )

    # then: a second booking of the same case is refused by the database
    other = booking_row(facility=facility, start=START + datetime.timedelta(hours=6))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=other.pk).update(case=case)
    # and the only index on the case holds only the rows that have one
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef LIKE %s FROM pg_indexes"
            " WHERE tablename = 'bookings_booking' AND indexdef LIKE %s",
            ["%WHERE (case_id IS NOT NULL)", "%(case_id)%"],
        )
        assert cursor.fetchall() == [("bookings_booking_case", True)]
