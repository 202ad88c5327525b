"""The booker's reminder before the event: the shared reminder engine, on the day each
facility's offset names; once; recorded on the booking case's timeline."""

import datetime

import pytest

from bookings.reminders import SOURCE_KEY, TEMPLATE_KEY
from bookings.services import approval
from bookings.services.cancel import booking_cancel, booking_cancel_quote
from notifications.models import Notification
from notifications.services import reminders_run
from tests.bookings.checkout_support import NEW_YORK, confirmed, pavilion
from tests.bookings.staff_support import awaiting_approval, parks_staff
from tests.notifications.factories import reminder_rules

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _rule(settings):
    settings.TIME_ZONE = "America/New_York"
    reminder_rules(
        0,
        source=SOURCE_KEY,
        template_key=TEMPLATE_KEY,
        channels=["email"],
        catch_up_days=1,
    )


def _day_of(booking) -> datetime.date:
    return booking.starts_at.astimezone(NEW_YORK).date()


def _reminders():
    return Notification.objects.filter(template_key=TEMPLATE_KEY, channel="email")


@pytest.mark.parametrize(("days_before", "reminded"), [(3, False), (2, True), (1, False)])
def test_the_booker_is_reminded_on_the_facilitys_day(days_before, reminded):
    # given: a facility that reminds two days ahead
    booking, _invoice = confirmed(pavilion(reminder_days_before=2))
    today = _day_of(booking) - datetime.timedelta(days=days_before)

    # when
    reminders_run(today=today, source=SOURCE_KEY)

    # then
    assert _reminders().exists() is reminded
    if reminded:
        notice = _reminders().get()
        assert notice.to_address == "ana@example.com"
        assert notice.context["reference"] == booking.reference
        assert booking.case.events.filter(kind="reminder_sent").count() == 1


def test_running_twice_reminds_once():
    booking, _invoice = confirmed(pavilion(reminder_days_before=0))
    reminders_run(today=_day_of(booking), source=SOURCE_KEY)
    reminders_run(today=_day_of(booking), source=SOURCE_KEY)
    assert _reminders().count() == 1
    assert booking.case.events.filter(kind="reminder_sent").count() == 1


def test_no_reminder_for_a_facility_without_one_or_a_cancelled_booking():
    quiet, _invoice = confirmed(pavilion(reminder_days_before=None))
    cancelled, _invoice = confirmed(pavilion(reminder_days_before=0))
    quote = booking_cancel_quote(booking=cancelled)
    booking_cancel(booking=cancelled, expected_refund_cents=quote.refund_cents)

    reminders_run(today=_day_of(quiet), source=SOURCE_KEY)

    assert not _reminders().exists()


def test_a_booking_waiting_for_approval_is_reminded_only_once_approved():
    booking, _invoice = awaiting_approval(reminder_days_before=0)
    reminders_run(today=_day_of(booking), source=SOURCE_KEY)
    assert not _reminders().exists()

    approval.booking_approve(booking=booking, actor=parks_staff(), conditions="No glass.")
    reminders_run(today=_day_of(booking), source=SOURCE_KEY)
    assert _reminders().get().context["conditions"] == "No glass."
