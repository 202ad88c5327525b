"""What waitlists plug into the shared engine, called once from BookingsConfig.ready():
guest links to a waitlist entry (to leave it)."""

from __future__ import annotations


def register() -> None:
    from bookings.models import WaitlistEntry
    from cases.links import register_target

    register_target(
        WaitlistEntry,
        # An account's entry is left from its signed-in pages, never by a guest link.
        is_claimed=lambda entry: entry.user_id is not None,
        contact=lambda entry: (entry.guest_email, ""),
    )
