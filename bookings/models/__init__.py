"""Bookings' models, by topic; every model of the app is importable from here.

- `bookings.models.facilities`: facilities as data (hours, closed dates, slot rules, prices,
  cancellation tiers, photos);
- `bookings.models.bookings`: bookings, from the hold to confirmed, cancelled or expired;
- `bookings.models.waitlist`: waitlists of taken slots, and lotteries releasing slots.
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
from bookings.models.waitlist import (
    WAITLIST_LIVE,
    Lottery,
    LotteryRequest,
    LotteryRequestStatus,
    WaitlistEntry,
    WaitlistStatus,
    household_key,
)

__all__ = [
    "OCCUPYING",
    "WAITLIST_LIVE",
    "Blackout",
    "Booking",
    "BookingKind",
    "BookingStatus",
    "CancellationTier",
    "Facility",
    "FacilityKind",
    "FacilityPhoto",
    "Lottery",
    "LotteryRequest",
    "LotteryRequestStatus",
    "OpeningHours",
    "PriceUnit",
    "SlotMode",
    "WaitlistEntry",
    "WaitlistStatus",
    "Weekday",
    "household_key",
]
