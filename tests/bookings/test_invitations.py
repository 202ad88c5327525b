"""The booker's e-mails carry the booking's iCalendar invitation: REQUEST when confirmed,
approved or moved (SEQUENCE raised), CANCEL when cancelled; read from the mail as sent
(Django's outbox) and parsed with `icalendar` as a calendar program would."""

import icalendar
import pytest
from django.core import mail

from bookings import ics
from bookings.services import approval
from bookings.services import cancel as cancelling
from notifications.attachments import Attachment
from notifications.models import Notification
from notifications.services import notifications_dispatch
from tests.accounts.factories import StaffFactory
from tests.bookings.checkout_support import NEW_YORK, confirmed, local_start, pavilion
from tests.bookings.staff_support import awaiting_approval, parks_staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _agency(settings):
    settings.TIME_ZONE = "America/New_York"
    settings.SITE_URL = "https://portal.example.gov"


def invitations(to: str = "ana@example.com"):
    """(subject, MIME part, parsed calendar) of every calendar attached to mail sent to `to`."""
    notifications_dispatch()
    found = []
    for message in mail.outbox:
        if message.to != [to]:
            continue
        for part in message.message().walk():
            if part.get_content_type() == "text/calendar":
                calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
                found.append((message.subject, part, calendar))
    return found


def event_of(calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def test_the_confirmation_carries_the_invitation_as_a_request():
    # when: a guest pays for a pavilion
    booking, _invoice = confirmed(pavilion())

    # then: one e-mail, its invitation attached, as a calendar program reads it
    [(_subject, part, calendar)] = invitations()
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_disposition() == "attachment"
    assert part.get_filename() == f"{booking.reference}.ics"
    assert str(calendar["method"]) == "REQUEST"
    event = event_of(calendar)
    assert str(event["uid"]) == ics.booking_uid(booking.reference)
    assert int(event["sequence"]) == 0
    assert str(event["status"]) == "CONFIRMED"
    assert event.decoded("dtstart") == booking.starts_at
    assert event.decoded("dtend") == booking.ends_at
    assert event["dtstart"].params["TZID"] == "America/New_York"
    assert str(event["attendee"]) == "mailto:ana@example.com"
    assert booking.reference in str(event["summary"])
    # texts and the inbox carry no file; the e-mail row keeps the one it sent
    row = Notification.objects.get(template_key="bookings/confirmed", channel="email")
    assert row.attachments[0]["filename"] == f"{booking.reference}.ics"


def test_a_move_sends_the_same_uid_with_a_higher_sequence():
    # given
    booking, _invoice = confirmed(pavilion())
    day = booking.starts_at.astimezone(NEW_YORK).date()
    uid = ics.booking_uid(booking.reference)

    # when: moved to the afternoon of the same day (same price)
    cancelling.booking_move(
        booking=booking,
        starts_at=local_start(day, 14),
        ends_at=local_start(day, 16),
    )

    # then
    first, moved = invitations()
    assert str(event_of(first[2])["uid"]) == str(event_of(moved[2])["uid"]) == uid
    assert moved[1].get_param("method") == "REQUEST"
    event = event_of(moved[2])
    assert int(event["sequence"]) == 1
    assert event.decoded("dtstart") == local_start(day, 14)
    assert event.decoded("dtend") == local_start(day, 16)


def test_the_cancellation_carries_a_cancel_with_a_higher_sequence():
    # given
    booking, _invoice = confirmed(pavilion())
    quote = cancelling.booking_cancel_quote(booking=booking)

    # when
    cancelling.booking_cancel(booking=booking, expected_refund_cents=quote.refund_cents)

    # then
    _confirmation, (_subject, part, calendar) = invitations()
    assert part.get_param("method") == "CANCEL"
    assert str(calendar["method"]) == "CANCEL"
    event = event_of(calendar)
    assert str(event["uid"]) == ics.booking_uid(booking.reference)
    assert int(event["sequence"]) == 1
    assert str(event["status"]) == "CANCELLED"


def test_the_agency_cancelling_sends_the_cancel_too():
    # given
    booking, _invoice = confirmed(pavilion())

    # when
    cancelling.booking_cancel_by_agency(
        booking=booking, actor=StaffFactory(roles=["clerk"]), message="Storm damage."
    )

    # then
    methods = [str(calendar["method"]) for _s, _p, calendar in invitations()]
    assert methods == ["REQUEST", "CANCEL"]


def test_a_booking_waiting_for_approval_gets_its_invitation_when_approved():
    # given: paid, waiting for staff; the "received" e-mail has no invitation yet
    booking, _invoice = awaiting_approval()
    assert invitations() == []

    # when
    approval.booking_approve(booking=booking, actor=parks_staff())

    # then
    [(_subject, part, calendar)] = invitations()
    assert part.get_param("method") == "REQUEST"
    assert str(event_of(calendar)["uid"]) == ics.booking_uid(booking.reference)
    assert int(event_of(calendar)["sequence"]) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mimetype": "application/pdf"}, "Only text attachments"),
        ({"mimetype": "text"}, "Only text attachments"),
        ({"filename": "../x.ics"}, "Not a plain file name"),
        ({"filename": 'a"b.ics'}, "Not a plain file name"),
        ({"content": "x" * (256 * 1024 + 1)}, "limited to"),
    ],
)
def test_an_attachment_that_is_not_a_small_text_file_is_refused(changes, message):
    values = {"filename": "a.ics", "content": "BEGIN:VCALENDAR", "mimetype": "text/calendar"}
    with pytest.raises(ValueError, match=message):
        Attachment(**{**values, **changes})
