"""What the booking services refuse, with the words the visitor reads."""

from __future__ import annotations


class HoldRefused(Exception):
    """The slot breaks the facility's rules (past, outside hours, too long, too far ahead...)."""


class SlotTaken(Exception):
    """Someone else holds or booked the slot; `nearest` are free slots close to it."""

    def __init__(self, message: str, *, nearest=()):
        super().__init__(message)
        self.nearest = list(nearest)


class StaffActionRefused(Exception):
    """Staff's action on a booking or a facility's time cannot be done now; the message says
    why, in words for the member of staff."""
