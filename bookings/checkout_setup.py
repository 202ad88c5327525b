"""What checkout plugs into the shared engine, called once from BookingsConfig.ready():
payments' signal, guest links to a booking, claims of guest bookings, the dashboard."""

from __future__ import annotations

from django.utils.translation import ngettext_lazy

# As many as the dashboard lists (its section's limit).
DASHBOARD_LIMIT = 5


def dashboard_stamp() -> str:
    """What "My bookings" shows of each listed booking that can change, with its facility's
    names: the same rows as bookings_for_dashboard, from the same index."""
    from bookings.models import Booking, BookingStatus, Facility

    hidden = ", ".join(f"'{status}'" for status in (BookingStatus.HELD, BookingStatus.EXPIRED))
    return f"""
    SELECT string_agg(concat_ws(',', b.id, b.status, b.period, b.updated_at, f.name, f.name_es),
                      ';' ORDER BY b.period DESC)
      FROM (SELECT id, status, period, updated_at, facility_id
              FROM {Booking._meta.db_table}
             WHERE user_id = %(user)s AND status NOT IN ({hidden})
             ORDER BY period DESC
             LIMIT {DASHBOARD_LIMIT}) AS b
      JOIN {Facility._meta.db_table} AS f ON f.id = b.facility_id
    """  # noqa: S608 (tables and statuses from the models, the person a parameter)


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
            limit=DASHBOARD_LIMIT,
            order=40,
            stamp=dashboard_stamp(),
        )
    )
