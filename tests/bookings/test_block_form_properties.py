"""The calendar's block form, the agency's closure included, typed carelessly or tampered
with: any answers are a block or a refusal with the answers shown again, never a server
error; a closure refused cancels nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from bookings.models import Booking, BookingKind, BookingStatus
from tests.bookings.checkout_support import confirmed, local_start, pavilion
from tests.bookings.staff_support import parks, parks_staff
from tests.hostile import fuzz, keeps_what_was_typed, no_server_error, params

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    parks()


def _day() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=20)


@pytest.fixture
def booked(client):
    client.force_login(parks_staff(mfa=True))
    facility = pavilion()
    booking, _invoice = confirmed(facility, start=local_start(_day(), 9))
    return facility, booking


_TIMES = st.sampled_from(["08:00", "18:00", "02:30", "24:00", "7", "12:60", "-1:00", "noon"])


@fuzz(max_examples=60)
@given(
    posted=params(
        ["day", "starts", "ends", "reason", "booker_message"],
        valid={"day": _day().isoformat(), "starts": "08:00", "ends": "18:00", "reason": "Storm"},
    ),
    starts=st.one_of(st.none(), _TIMES),
)
def test_any_block_form_is_answered_without_a_server_error(client, booked, posted, starts):
    facility, booking = booked
    if starts is not None:
        posted = {**posted, "starts": starts}
    response = client.post(reverse("admin:bookings_booking_block", args=[facility.pk]), posted)
    no_server_error(response)
    keeps_what_was_typed(response, posted, form_key="block_form")
    booking.refresh_from_db()
    blocked = Booking.objects.filter(kind=BookingKind.BLOCK, status=BookingStatus.CONFIRMED)
    cancelled = booking.status == BookingStatus.CANCELLED
    if cancelled:
        assert blocked.exists()  # cancelled only with the block that closed the time
    # the next example starts from the booked day again
    blocked.update(status=BookingStatus.CANCELLED)
    if cancelled:
        Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CONFIRMED)
