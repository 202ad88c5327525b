"""What the database itself guarantees about bookings, whatever the code above it does."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from bookings.models import BookingStatus
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


@pytest.mark.parametrize(("gap_minutes", "refused"), [(59, True), (60, False)])
def test_buffers_of_both_bookings_are_kept_free(gap_minutes, refused):
    # given: 30 minutes of buffer each side, so two bookings need 60 minutes between them
    facility = FacilityFactory(buffer_minutes=30)
    booking_row(facility=facility, start=START)

    # then
    later = START + datetime.timedelta(minutes=60 + gap_minutes)
    assert _refused(facility=facility, start=later) is refused


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
