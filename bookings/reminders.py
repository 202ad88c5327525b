"""Bookings' reminder source: confirmed bookings, by the day their facility reminds on.

Each facility says how many days before the day of a booking its booker is reminded
(`Facility.reminder_days_before`; empty: never). The source's date is that day, worked out
in the statement (the booking's day in the agency's time zone, `%(time_zone)s`, less the
facility's offset), so changing a facility's offset applies to its bookings at once; the rule
"0 days before, by e-mail, text and in-app" that migration 0003 adds sends on it, at the
rule's time of day, and administrators change it like any other rule
(notifications/README.md). A moved booking is reminded again for its new day (the engine's
dedupe key is the row and its due date); a cancelled, declined or completed one is not.

The reminder is recorded on the booking case's timeline ("Reminder sent", seen by the booker
and staff). An account holder's reminder links to the booking's page; a guest's carries a
fresh scoped link to see, change or cancel it (`guest_links`: issued by the case engine's
guest links, `cases.links`, as the confirmation's is, which a statement cannot sign).
"""

from django.utils.translation import gettext_lazy as _

from notifications.reminders import ReminderSource

SOURCE_KEY = "bookings.booking_day"
TEMPLATE_KEY = "bookings/reminder"

# The widest offset a facility may have (Facility.reminder_days_before's validator), so the
# statement reads only the bookings that can be due within a run's window.
MAX_OFFSET_DAYS = 30


def guest_links(booking_ids: list[int]) -> dict[int, str]:
    """A fresh link to see, change or cancel each guest booking of `booking_ids`, by id."""
    from bookings.models import Booking
    from bookings.services.checkout import manage_link

    links = {}
    for booking in Booking.objects.filter(pk__in=booking_ids, user__isnull=True).order_by("pk"):
        link = manage_link(booking)
        if link is not None:
            links[booking.pk] = link.url
    return links


BOOKING_DAY = ReminderSource(
    key=SOURCE_KEY,
    label=_("Facility bookings, the facility's reminder days before"),
    from_sql="""bookings_booking AS b
        JOIN bookings_facility AS f ON f.id = b.facility_id
        JOIN cases_case AS c ON c.id = b.case_id""",
    row_id="b.id",
    date="((lower(b.period) AT TIME ZONE %(time_zone)s)::date - f.reminder_days_before)",
    # Confirmed (approved, for a facility that needs it) and still to come; the bounds on
    # the start let the partial index `bookings_confirmed_start` serve the rule's window.
    where=f"""
        b.kind = 'booking'
        AND b.status = 'confirmed'
        AND f.reminder_days_before IS NOT NULL
        AND lower(b.period) > statement_timestamp()
        AND lower(b.period) < (%(today)s::date + {MAX_OFFSET_DAYS + 2} + %(days)s::integer)
    """,
    account="b.user_id",
    guest_email="b.guest_email",
    guest_language="c.language",
    context={
        "reference": "b.reference",
        "facility": "f.name",
        "facility_es": "f.name_es",
        "location": "f.location",
        "location_es": "f.location_es",
        "guest_name": "b.guest_name",
        "conditions": "b.conditions",
        "starts_at": """to_char(lower(b.period) AT TIME ZONE 'UTC',
                                'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')""",
        "ends_at": """to_char(upper(b.period) AT TIME ZONE 'UTC',
                              'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')""",
    },
    link=("bookings:booking", {"reference": "b.reference"}),
    guest_links=guest_links,
    record="""
        INSERT INTO cases_caseevent
               (case_id, case_kind, kind, audience, from_status, to_status, body, payload,
                created_at)
        SELECT c.id, c.kind, 'reminder_sent', 'participants', '', '', '',
               jsonb_build_object('on_date', to_char(q.on_date, 'YYYY-MM-DD')),
               statement_timestamp()
          FROM queued_rows AS q
          JOIN bookings_booking AS b ON b.id = q.object_id
          JOIN cases_case AS c ON c.id = b.case_id
        RETURNING 1
    """,
)
