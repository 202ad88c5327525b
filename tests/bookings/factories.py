"""Facilities built as an administrator would, and bookings rows for constraint tests."""

import datetime

import factory
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from bookings.models import Booking, BookingStatus, Facility, FacilityKind, OpeningHours


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"facility-{n}")
    name = factory.Sequence(lambda n: f"Test pavilion {n}")
    kind = FacilityKind.PAVILION
    capacity = 50
    slot_minutes = 60
    min_minutes = 60
    max_minutes = 240
    buffer_minutes = 0
    resident_price_cents = 2500
    nonresident_price_cents = 4000
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def open_hours(self, create, extracted, **kwargs):
        """Open every day 08:00-20:00 unless told otherwise (`open_hours=[(weekday, opens,
        closes), ...]`, or `open_hours=[]` for none)."""
        if not create:
            return
        rows = (
            extracted
            if extracted is not None
            else [(day, datetime.time(8), datetime.time(20)) for day in range(7)]
        )
        OpeningHours.objects.bulk_create(
            OpeningHours(facility=self, weekday=day, opens=opens, closes=closes)
            for day, opens, closes in rows
        )


_references = iter(range(1, 10**9))


def booking_row(
    *,
    facility: Facility,
    start: datetime.datetime,
    minutes: int = 60,
    status: str = BookingStatus.CONFIRMED,
    hold_expires_at: datetime.datetime | None = None,
) -> Booking:
    """A booking written directly (no service): for the database's own guarantees."""
    end = start + datetime.timedelta(minutes=minutes)
    buffer = datetime.timedelta(minutes=facility.buffer_minutes)
    if status == BookingStatus.HELD and hold_expires_at is None:
        hold_expires_at = timezone.now() + datetime.timedelta(minutes=15)
    return Booking.objects.create(
        facility=facility,
        reference=f"T{next(_references):08d}",
        status=status,
        period=DateTimeTZRange(start, end, "[)"),
        buffered=DateTimeTZRange(start - buffer, end + buffer, "[)"),
        hold_expires_at=hold_expires_at,
        guest_name="Test Guest",
        guest_email="guest@example.com",
    )
