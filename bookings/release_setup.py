"""What waitlists plug into the shared engine, called once from BookingsConfig.ready():
guest links to a waitlist entry (to leave it), and the resident's waitlists on the
dashboard."""

from __future__ import annotations


def register() -> None:
    from bookings.models import WaitlistEntry
    from bookings.selectors_release import waitlist_entries_for_dashboard
    from cases.links import register_target
    from portal.dashboard import Section
    from portal.dashboard import register as register_section

    register_target(
        WaitlistEntry,
        # An account's entry is left from its signed-in pages, never by a guest link.
        is_claimed=lambda entry: entry.user_id is not None,
        contact=lambda entry: (entry.guest_email, ""),
    )
    register_section(
        Section(
            key="bookings.waitlists",
            template="bookings/_dashboard_waitlists.html",
            read=waitlist_entries_for_dashboard,
            limit=5,
            order=41,
        )
    )
