"""What a booking costs, from the facility's rates (integer cents)."""

from __future__ import annotations

from bookings.models import Facility, PriceUnit


def booking_price_cents(*, facility: Facility, minutes: int, resident: bool) -> int:
    """The price of `minutes` at the resident or non-resident rate, deposit apart.

    Per hour: the hourly rate pro rata, rounded to the cent. Per slot: the rate for each
    `slot_minutes` booked.
    """
    rate = facility.resident_price_cents if resident else facility.nonresident_price_cents
    if facility.price_unit == PriceUnit.SLOT:
        return rate * (minutes // facility.slot_minutes)
    return (rate * minutes + 30) // 60
