"""iCalendar invitations for bookings (RFC 5545 with the iTIP methods of RFC 5546).

A booking is one calendar event for its booker, built with the maintained `icalendar`
library rather than by hand, so folding, escaping and time-zone definitions are right:

* `METHOD:REQUEST` when the booking is confirmed or changed, `METHOD:CANCEL` (with
  `STATUS:CANCELLED`) when it is cancelled. A calendar program matches the three by `UID`.
* The `UID` is stable for the life of the booking (`booking_uid`): never the row's changing
  fields, so moving a booking updates the event already in the calendar instead of adding a
  second one.
* `SEQUENCE` is the booking's own counter, raised by every change the booker is told of
  (a move, a cancellation); a program ignores an update whose sequence is not higher than
  the one it has.
* Start and end are written in the agency's time zone (`settings.TIME_ZONE`) with its
  `VTIMEZONE`, so the event shows at the hour the facility keeps, wherever the booker is.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

REQUEST = "REQUEST"
CANCEL = "CANCEL"
METHODS = (REQUEST, CANCEL)

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//Citizen services portal//Facility bookings//EN"


@dataclass(frozen=True)
class CalendarEntry:
    """What the invitation says: the booking as its booker's calendar should show it."""

    uid: str
    sequence: int
    start: datetime.datetime
    end: datetime.datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    attendee_email: str = ""
    attendee_name: str = ""


def booking_uid(key: str) -> str:
    """The stable UID of a booking whose unchanging key (its reference) is `key`."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"booking-{key.lower()}@{host}"


def agency_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def calendar_bytes(
    entry: CalendarEntry, *, method: str, now: datetime.datetime | None = None
) -> bytes:
    """The .ics file of `entry` for `method` (REQUEST or CANCEL).

    Raises ValueError for an unknown method, a naive or empty time range, or a negative
    sequence.
    """
    if method not in METHODS:
        raise ValueError(f"Unknown iTIP method: {method!r}")
    if timezone.is_naive(entry.start) or timezone.is_naive(entry.end):
        raise ValueError("An invitation needs aware datetimes.")
    if entry.end <= entry.start:
        raise ValueError("An invitation needs an end after its start.")
    if entry.sequence < 0:
        raise ValueError("SEQUENCE cannot be negative.")
    zone = agency_zone()
    stamp = (now or timezone.now()).astimezone(datetime.UTC)

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = icalendar.Event()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", entry.start.astimezone(zone))
    event.add("dtend", entry.end.astimezone(zone))
    event.add("summary", entry.summary)
    if entry.description:
        event.add("description", entry.description)
    if entry.location:
        event.add("location", entry.location)
    if entry.url:
        event.add("url", entry.url)
    organizer = icalendar.vCalAddress(f"mailto:{settings.AGENCY['email']}")
    organizer.params["cn"] = icalendar.vText(settings.AGENCY["name"])
    event.add("organizer", organizer)
    if entry.attendee_email:
        attendee = icalendar.vCalAddress(f"mailto:{entry.attendee_email}")
        if entry.attendee_name:
            attendee.params["cn"] = icalendar.vText(entry.attendee_name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText(
            "ACCEPTED" if method == REQUEST else "DECLINED"
        )
        event.add("attendee", attendee)
    event.add("status", "CONFIRMED" if method == REQUEST else "CANCELLED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    # The VTIMEZONE of every zone used above, so programs need no time-zone database; its
    # rules only around the event (a year either side), not since 1970.
    calendar.add_missing_timezones(
        first_date=entry.start.date() - datetime.timedelta(days=366),
        last_date=entry.end.date() + datetime.timedelta(days=366),
    )
    return calendar.to_ical()


def filename(key: str) -> str:
    """The download's file name, e.g. ``BKG-2026-000042.ics``."""
    return f"{key}.ics"
