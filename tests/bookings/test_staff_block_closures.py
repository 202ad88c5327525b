"""The agency closing a place (a storm, an emergency): blocking its time with a message for
the bookers cancels every paid booking in that time for the agency, refunds each in full
and tells each booker the message, with the block, in one transaction; a visitor still
holding the time keeps the block refused, and then nothing is cancelled."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from bookings.exceptions import StaffActionRefused
from bookings.models import Booking, BookingKind, BookingStatus
from bookings.services import blocks
from notifications.models import Notification
from payments.models import Refund
from tests.bookings.checkout_support import confirmed, held, local_start, pavilion
from tests.bookings.staff_support import library_staff, parks, parks_staff

pytestmark = pytest.mark.django_db(transaction=True)
STORM = "The park is closed: a storm is forecast."


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    parks()


def _day() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=20)


def _close_the_day(facility, *, message=STORM, actor=None):
    return blocks.block_create(
        facility=facility,
        starts_at=local_start(_day(), 8),
        ends_at=local_start(_day(), 18),
        reason="Storm",
        actor=actor or parks_staff(),
        booker_message=message,
    )


def test_closing_a_day_cancels_each_paid_booking_refunds_it_and_tells_its_booker():
    # given: two paid bookings that day, 20 days ahead (the tiers would give back half)
    facility = pavilion()
    morning, morning_invoice = confirmed(facility, start=local_start(_day(), 9))
    afternoon, afternoon_invoice = confirmed(facility, start=local_start(_day(), 14))

    # when
    block = _close_the_day(facility)

    # then: both cancelled with everything paid back, each booker told why, the day blocked
    assert (block.kind, block.status) == (BookingKind.BLOCK, BookingStatus.CONFIRMED)
    for booking, invoice in ((morning, morning_invoice), (afternoon, afternoon_invoice)):
        booking.refresh_from_db()
        invoice.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        assert (invoice.status, invoice.amount_refunded_cents) == ("refunded", 13000)
    assert sorted(Refund.objects.values_list("policy", "amount_cents")) == [
        ("bookings.cancelled_by_agency", 13000),
        ("bookings.cancelled_by_agency", 13000),
    ]
    notices = Notification.objects.filter(
        template_key="bookings/cancelled_by_agency", channel="email"
    )
    assert notices.count() == 2
    assert {notice.context["message"] for notice in notices} == {STORM}


def test_a_visitor_holding_the_time_keeps_the_block_refused_and_nothing_is_cancelled():
    # given: a paid morning and a visitor holding the afternoon right now
    facility = pavilion()
    morning, invoice = confirmed(facility, start=local_start(_day(), 9))
    holding = held(facility, start=local_start(_day(), 14))

    # when
    with pytest.raises(StaffActionRefused) as refused:
        _close_the_day(facility)

    # then: the hold named; the morning still booked and paid; no block, refund or message
    assert holding.reference in str(refused.value)
    morning.refresh_from_db()
    invoice.refresh_from_db()
    assert morning.status == BookingStatus.CONFIRMED
    assert (invoice.status, invoice.amount_refunded_cents) == ("paid", 0)
    assert not Booking.objects.filter(kind=BookingKind.BLOCK).exists()
    assert not Refund.objects.exists()
    assert not Notification.objects.filter(template_key="bookings/cancelled_by_agency").exists()


def test_without_a_message_the_bookings_in_the_way_are_named_and_kept():
    facility = pavilion()
    booking, _invoice = confirmed(facility, start=local_start(_day(), 9))

    with pytest.raises(StaffActionRefused, match=booking.reference):
        _close_the_day(facility, message="  ")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert not Refund.objects.exists()


def test_staff_of_another_department_cannot_close_a_day():
    facility = pavilion()
    booking, _invoice = confirmed(facility, start=local_start(_day(), 9))

    with pytest.raises(PermissionDenied):
        _close_the_day(facility, actor=library_staff())

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_the_calendar_form_closes_the_day_with_the_message(client):
    # given
    facility = pavilion()
    booking, _invoice = confirmed(facility, start=local_start(_day(), 9))
    client.force_login(parks_staff(mfa=True))

    # when
    response = client.post(
        reverse("admin:bookings_booking_block", args=[facility.pk]),
        {
            "day": _day().isoformat(),
            "starts": "08:00",
            "ends": "18:00",
            "reason": "Storm",
            "booker_message": STORM,
        },
    )

    # then
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    page = client.get(response["Location"]).text
    assert "cancelled with a full refund, and its booker told" in page
