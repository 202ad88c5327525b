"""What checkout plugs into the shared engine, called once from BookingsConfig.ready():
payments' signal, guest links to a booking, claims of guest bookings, the dashboard."""

from __future__ import annotations

from django.utils.translation import ngettext_lazy


def register() -> None:
    from bookings import receivers, refund_tasks  # noqa: F401 (connects, registers tasks)
    from bookings.models import Booking
    from bookings.selectors_checkout import bookings_for_dashboard
    from bookings.services.claims import bookings_claim
    from cases.claims import register_claim
    from cases.links import register_target
    from portal.dashboard import Section
    from portal.dashboard import register as register_section

    register_target(
        Booking,
        # A booking of an account opens only for its signed-in booker.
        is_claimed=lambda booking: booking.user_id is not None,
        contact=lambda booking: (booking.guest_email, booking.guest_phone),
    )
    register_claim(
        "bookings.bookings",
        claim=bookings_claim,
        noun=ngettext_lazy("%(count)d booking", "%(count)d bookings", "count"),
    )
    register_section(
        Section(
            key="bookings.bookings",
            template="bookings/_dashboard_bookings.html",
            read=bookings_for_dashboard,
            limit=5,
            order=40,
        )
    )
