"""What waitlists plug into the shared engine, called once from BookingsConfig.ready():
guest links to a waitlist entry (to leave it), and the resident's waitlists and lottery
requests on the dashboard."""

from __future__ import annotations

# As many as the dashboard lists (its section's limit).
DASHBOARD_LIMIT = 5


def dashboard_stamp() -> str:
    """What "My waitlists" shows of each listed entry that can change: the same rows as
    waitlist_entries_for_dashboard (times still to come, so the stamp moves on when one
    passes), with the facility's names and the offer's reference."""
    from bookings.models import Booking, Facility, WaitlistEntry
    from bookings.models.waitlist import WAITLIST_LIVE

    live = ", ".join(f"'{status}'" for status in WAITLIST_LIVE)
    return f"""
    SELECT string_agg(concat_ws(',', w.id, w.status, w.period, w.updated_at, w.offer_expires_at,
                                f.name, f.name_es, o.reference), ';' ORDER BY w.period)
      FROM (SELECT id, status, period, updated_at, offer_expires_at, facility_id, offer_id
              FROM {WaitlistEntry._meta.db_table}
             WHERE user_id = %(user)s AND status IN ({live}) AND lower(period) > now()
             ORDER BY period
             LIMIT {DASHBOARD_LIMIT}) AS w
      JOIN {Facility._meta.db_table} AS f ON f.id = w.facility_id
      LEFT JOIN {Booking._meta.db_table} AS o ON o.id = w.offer_id
    """  # noqa: S608 (tables and statuses from the models, the person a parameter)


def lottery_dashboard_stamp() -> str:
    """What "My lottery requests" shows of each listed request that can change: the same
    rows as lottery_requests_for_dashboard, with the lottery's window, whether it is still
    open (so the stamp moves on when it closes, with nothing written, and the copy that
    offers to withdraw is not shown after) and the facility's names (the draw changes every
    request's status, so it moves the stamp too)."""
    from bookings.models import Facility, Lottery, LotteryRequest, LotteryRequestStatus

    return f"""
    SELECT string_agg(concat_ws(',', r.id, r.period, r.updated_at, l.closes_at,
                                l.closes_at > now(), f.name, f.name_es),
                      ';' ORDER BY r.period, r.id)
      FROM (SELECT id, period, updated_at, lottery_id
              FROM {LotteryRequest._meta.db_table}
             WHERE user_id = %(user)s AND status = '{LotteryRequestStatus.REQUESTED}'
               AND lottery_id IN (SELECT id FROM {Lottery._meta.db_table}
                                   WHERE drawn_at IS NULL)
             ORDER BY period, id
             LIMIT {DASHBOARD_LIMIT}) AS r
      JOIN {Lottery._meta.db_table} AS l ON l.id = r.lottery_id
      JOIN {Facility._meta.db_table} AS f ON f.id = l.facility_id
    """  # noqa: S608 (tables and the status from the models, the person a parameter)


def register() -> None:
    from bookings.models import WaitlistEntry
    from bookings.selectors_release import (
        lottery_requests_for_dashboard,
        waitlist_entries_for_dashboard,
    )
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
            limit=DASHBOARD_LIMIT,
            order=41,
            stamp=dashboard_stamp(),
        )
    )
    register_section(
        Section(
            key="bookings.lottery_requests",
            template="bookings/_dashboard_lottery_requests.html",
            read=lottery_requests_for_dashboard,
            limit=DASHBOARD_LIMIT,
            order=42,
            stamp=lottery_dashboard_stamp(),
        )
    )
