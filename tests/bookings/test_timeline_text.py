"""Every entry a booking's timeline shows has words: the payment at checkout, a move (from
which time to which, and the difference charged or refunded), a reminder and a cancellation,
as the booker and staff read them."""

import datetime

import pytest
from django.utils.formats import date_format

from bookings import workflow
from bookings.reminders import SOURCE_KEY, TEMPLATE_KEY
from bookings.services import cancel as cancelling
from notifications.services import reminders_run
from tests.bookings.checkout_support import NEW_YORK, confirmed, local_start, pavilion
from tests.notifications.factories import reminder_rules

DASH = "\N{EN DASH}"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"


def _day_of(booking) -> datetime.date:
    return booking.starts_at.astimezone(NEW_YORK).date()


def _moved(booking):
    [event] = booking.case.events.filter(kind="update", payload__what="moved")
    return event


def test_a_move_at_the_same_price_says_from_which_time_to_which():
    # given: 10 a.m. to noon
    booking, _invoice = confirmed(pavilion())
    day = _day_of(booking)

    # when: moved to the afternoon of the same day (same price)
    cancelling.booking_move(
        booking=booking, starts_at=local_start(day, 14), ends_at=local_start(day, 16)
    )

    # then
    event = _moved(booking)
    when = date_format(day, "DATE_FORMAT")
    assert event.text == (f"Moved from {when}, 10 a.m.{DASH}noon to {when}, 2 p.m.{DASH}4 p.m.")


def test_a_move_to_a_dearer_time_says_what_is_left_to_pay():
    # given: two hours at $40
    booking, _invoice = confirmed(pavilion())
    day = _day_of(booking)

    # when: three hours
    cancelling.booking_move(
        booking=booking, starts_at=local_start(day, 14), ends_at=local_start(day, 17)
    )

    # then
    text = _moved(booking).text
    assert text.startswith("Moved from ")
    assert text.endswith(" to pay: $40.00.")
    assert f"2 p.m.{DASH}5 p.m." in text


def test_a_move_to_a_cheaper_time_says_what_is_refunded():
    # given: two hours at $40
    booking, _invoice = confirmed(pavilion())
    day = _day_of(booking)

    # when: one hour
    cancelling.booking_move(
        booking=booking, starts_at=local_start(day, 14), ends_at=local_start(day, 15)
    )

    # then
    text = _moved(booking).text
    assert text.startswith("Moved from ")
    assert text.endswith(": $40.00 refunded.")
    assert f"2 p.m.{DASH}3 p.m." in text


def test_a_move_recorded_before_the_old_time_was_kept_says_the_new_time():
    # given: an entry written before moves recorded the time they left
    payload = {
        "what": "moved",
        "starts_at": "2027-03-10T14:00:00+00:00",
        "ends_at": "2027-03-10T16:00:00+00:00",
        "difference_cents": 0,
    }

    # when
    text = workflow.UPDATE_KIND.render(payload)

    # then: 9 to 11 in New York
    assert text == f"Moved to March 10, 2027, 9 a.m.{DASH}11 a.m."


def test_every_kind_a_booking_records_has_words():
    # given: a booking paid, moved, reminded and cancelled
    reminder_rules(
        0, source=SOURCE_KEY, template_key=TEMPLATE_KEY, channels=["email"], catch_up_days=1
    )
    booking, _invoice = confirmed(pavilion(reminder_days_before=2))
    day = _day_of(booking)
    cancelling.booking_move(
        booking=booking, starts_at=local_start(day, 14), ends_at=local_start(day, 16)
    )
    reminders_run(today=day - datetime.timedelta(days=2), source=SOURCE_KEY)
    quote = cancelling.booking_cancel_quote(booking=booking)
    cancelling.booking_cancel(booking=booking, expected_refund_cents=quote.refund_cents)

    # when
    recorded = booking.case.events.filter(kind__in=list(workflow.EVENT_KINDS))

    # then: each of the workflow's kinds is on the timeline, and none is blank
    assert {event.kind for event in recorded} == set(workflow.EVENT_KINDS)
    assert all(event.text.strip() for event in recorded), [
        (event.kind, event.payload) for event in recorded if not event.text.strip()
    ]
    texts = {event.kind: event.text for event in recorded}
    assert texts["payment"] == "Paid $130.00."
    reminded_on = day - datetime.timedelta(days=2)
    assert texts["reminder_sent"].startswith("Reminder of this booking sent on ")
    assert str(reminded_on.year) in texts["reminder_sent"]
