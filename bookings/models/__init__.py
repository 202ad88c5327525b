"""Bookings' models, by topic; every model of the app is importable from here.

- `bookings.models.facilities`: facilities as data (hours, closed dates, slot rules, prices,
  cancellation tiers, photos);
- `bookings.models.bookings`: bookings, from the hold to confirmed, cancelled or expired.
"""

from bookings.models.bookings import OCCUPYING, Booking, BookingKind, BookingStatus
from bookings.models.facilities import (
    Blackout,
    CancellationTier,
    Facility,
    FacilityKind,
    FacilityPhoto,
    OpeningHours,
    PriceUnit,
    SlotMode,
    Weekday,
)

__all__ = [
    "OCCUPYING",
    "Blackout",
    "Booking",
    "BookingKind",
    "BookingStatus",
    "CancellationTier",
    "Facility",
    "FacilityKind",
    "FacilityPhoto",
    "OpeningHours",
    "PriceUnit",
    "SlotMode",
    "Weekday",
]
