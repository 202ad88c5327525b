"""iCalendar invitations, parsed back with `icalendar` as a calendar program would."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bookings import ics

NEW_YORK = ZoneInfo("America/New_York")


def entry(**changes):
    values = {
        "uid": ics.booking_uid("BKG-2027-000042"),
        "sequence": 0,
        # 14:00 UTC in June is 10:00 in New York (EDT).
        "start": datetime.datetime(2027, 6, 14, 14, 0, tzinfo=datetime.UTC),
        "end": datetime.datetime(2027, 6, 14, 18, 0, tzinfo=datetime.UTC),
        "summary": "Riverside Park pavilion",
        "description": "Booking BKG-2027-000042",
        "location": "Riverside Park, 1 River Road",
        "url": "https://portal.example.gov/bookings/b/token/",
        "attendee_email": "ana@example.com",
        "attendee_name": "Ana Pérez, Jr.",
    }
    values.update(changes)
    return ics.CalendarEntry(**values)


def parse(data: bytes):
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.fixture(autouse=True)
def _agency(settings):
    settings.TIME_ZONE = "America/New_York"
    settings.SITE_URL = "https://portal.example.gov"


def test_request_parses_back_with_method_uid_sequence_and_agency_time():
    # when
    calendar, event = parse(ics.calendar_bytes(entry(), method=ics.REQUEST))

    # then
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == "booking-bkg-2027-000042@portal.example.gov"
    assert int(event["sequence"]) == 0
    assert str(event["status"]) == "CONFIRMED"
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert event["dtstart"].params["TZID"] == "America/New_York"
    assert start == datetime.datetime(2027, 6, 14, 10, 0, tzinfo=NEW_YORK)
    assert (start.hour, end.hour) == (10, 14)
    assert str(event["summary"]) == "Riverside Park pavilion"
    assert str(event["location"]) == "Riverside Park, 1 River Road"
    assert str(event["attendee"]) == "mailto:ana@example.com"
    assert event["attendee"].params["CN"] == "Ana Pérez, Jr."
    assert str(event["organizer"]).startswith("mailto:")
    # The zone's definition travels with the file.
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "America/New_York"


def test_a_change_keeps_the_uid_and_raises_the_sequence():
    # given
    _, first = parse(ics.calendar_bytes(entry(), method=ics.REQUEST))

    # when: moved to the next day
    moved = entry(
        sequence=1,
        start=datetime.datetime(2027, 6, 15, 14, 0, tzinfo=datetime.UTC),
        end=datetime.datetime(2027, 6, 15, 16, 0, tzinfo=datetime.UTC),
    )
    _, second = parse(ics.calendar_bytes(moved, method=ics.REQUEST))

    # then
    assert str(second["uid"]) == str(first["uid"])
    assert int(second["sequence"]) == int(first["sequence"]) + 1
    assert second.decoded("dtstart").date() == datetime.date(2027, 6, 15)


def test_cancel_has_method_cancel_and_status_cancelled():
    # when
    calendar, event = parse(ics.calendar_bytes(entry(sequence=2), method=ics.CANCEL))

    # then
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 2
    assert str(event["uid"]) == ics.booking_uid("BKG-2027-000042")


def test_winter_event_is_written_in_standard_time():
    # 15:00 UTC in January is 10:00 EST (UTC-5).
    _, event = parse(
        ics.calendar_bytes(
            entry(
                start=datetime.datetime(2027, 1, 9, 15, 0, tzinfo=datetime.UTC),
                end=datetime.datetime(2027, 1, 9, 17, 0, tzinfo=datetime.UTC),
            ),
            method=ics.REQUEST,
        )
    )
    assert event.decoded("dtstart").utcoffset() == datetime.timedelta(hours=-5)
    assert event.decoded("dtstart").hour == 10


@pytest.mark.parametrize(
    ("changes", "method"),
    [
        ({}, "PUBLISH"),
        ({"start": datetime.datetime(2027, 6, 14, 14, 0)}, ics.REQUEST),
        ({"end": datetime.datetime(2027, 6, 14, 14, 0, tzinfo=datetime.UTC)}, ics.REQUEST),
        ({"sequence": -1}, ics.REQUEST),
    ],
)
def test_refuses_what_a_calendar_cannot_hold(changes, method):
    with pytest.raises(ValueError):
        ics.calendar_bytes(entry(**changes), method=method)
