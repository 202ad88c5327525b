"""The agency's closure sent twice at once (a double click on the calendar's form): one block,
each booking cancelled and refunded once, and both sends answered with that block."""

import datetime

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingKind, BookingStatus
from bookings.services import blocks
from payments.models import Refund
from tests.bookings.checkout_support import confirmed, local_start, pavilion
from tests.bookings.staff_support import parks, parks_staff
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)
STORM = "The park is closed: a storm is forecast."


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    parks()


def test_a_closure_sent_twice_at_once_closes_once_and_answers_both_with_the_block():
    # given: two paid bookings that day
    day = timezone.localdate() + datetime.timedelta(days=20)
    facility = pavilion()
    morning, _invoice = confirmed(facility, start=local_start(day, 9))
    afternoon, _invoice = confirmed(facility, start=local_start(day, 14))
    staff = parks_staff()

    # when: the same closure twice at the same instant
    def close(_i):
        try:
            return blocks.block_create(
                facility=facility,
                starts_at=local_start(day, 8),
                ends_at=local_start(day, 18),
                reason="Storm",
                actor=staff,
                booker_message=STORM,
            ).pk
        except blocks.StaffActionRefused as refused:
            return str(refused)

    answers = run_together(2, close)

    # then: one block, both answers that block, each booking cancelled and refunded once
    block = Booking.objects.get(kind=BookingKind.BLOCK, status=BookingStatus.CONFIRMED)
    assert answers == [block.pk, block.pk]
    for booking in (morning, afternoon):
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
    assert Refund.objects.count() == 2
