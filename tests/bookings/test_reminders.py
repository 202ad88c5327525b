"""The booker's reminder before the event: the shared reminder engine, on the day each
facility's offset names; once; recorded on the booking case's timeline."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from bookings.reminders import SOURCE_KEY, TEMPLATE_KEY
from bookings.services import approval
from bookings.services.cancel import booking_cancel, booking_cancel_quote
from cases.links import GuestLink, LinkScope, resolve_link
from notifications.models import Notification
from notifications.rendering import render
from notifications.services import reminders_run
from tests.accounts.factories import UserFactory
from tests.bookings.checkout_support import NEW_YORK, confirmed, local_start, pavilion
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


def test_a_guest_is_reminded_with_a_scoped_link_to_see_change_or_cancel(client, settings):
    # given: a guest's booking, the facility reminding on the day
    settings.SITE_URL = "https://portal.example.gov"
    booking, _invoice = confirmed(pavilion(reminder_days_before=0))

    # when
    reminders_run(today=_day_of(booking), source=SOURCE_KEY)

    # then: the message links to the guest's own page of the booking, by a cancel-scoped link
    notice = _reminders().get()
    prefix = "https://portal.example.gov/bookings/b/"
    assert notice.link_url.startswith(prefix)
    token = notice.link_url[len(prefix) :].rstrip("/")
    link = resolve_link(token, LinkScope.CANCEL, model=Booking)
    assert link.target == booking
    assert link.link.email == "ana@example.com"
    assert link.link.expires_at > booking.ends_at
    # the e-mail carries it, not the "use your confirmation" fallback
    body = render(notice).body
    assert "A reminder of your booking" in body
    assert notice.link_url in body
    assert "link in your confirmation" not in body
    # and it opens the booking, with its cancel and move pages
    page = client.get(notice.link_url.removeprefix("https://portal.example.gov"))
    assert page.status_code == 200
    assert booking.reference in page.content.decode()
    cancel = client.get(reverse("bookings:guest_booking_cancel", kwargs={"token": token}))
    assert cancel.status_code == 200


def test_an_account_holder_is_reminded_with_the_page_of_their_account():
    # given
    user = UserFactory()
    booking, _invoice = confirmed(pavilion(reminder_days_before=0), user=user)
    links_before = GuestLink.objects.count()

    # when
    reminders_run(today=_day_of(booking), source=SOURCE_KEY)

    # then: no guest link is issued for an account's booking
    notice = _reminders().get()
    assert notice.link_url.endswith(
        reverse("bookings:booking", kwargs={"reference": booking.reference})
    )
    assert GuestLink.objects.count() == links_before


def test_guest_links_are_issued_once_however_often_the_rule_runs():
    booking, _invoice = confirmed(pavilion(reminder_days_before=0))
    reminders_run(today=_day_of(booking), source=SOURCE_KEY)
    issued = GuestLink.objects.count()
    link_url = _reminders().get().link_url

    reminders_run(today=_day_of(booking), source=SOURCE_KEY)

    assert GuestLink.objects.count() == issued
    assert _reminders().get().link_url == link_url


def test_linking_guests_costs_a_fixed_few_queries_per_guest():
    # given: one guest reminded on one day, three on another
    one_day, three_day = (timezone.localdate() + datetime.timedelta(days=n) for n in (40, 41))
    confirmed(pavilion(reminder_days_before=0), start=local_start(one_day))
    for _ in range(3):
        confirmed(pavilion(reminder_days_before=0), start=local_start(three_day))

    # when
    with CaptureQueriesContext(connection) as one:
        reminders_run(today=one_day, source=SOURCE_KEY)
    with CaptureQueriesContext(connection) as three:
        reminders_run(today=three_day, source=SOURCE_KEY)

    # then: a link each (its insert, in a savepoint), the rest shared by the run
    assert len(three.captured_queries) - len(one.captured_queries) <= 2 * 3
    assert _reminders().exclude(link_url="").count() == 4
