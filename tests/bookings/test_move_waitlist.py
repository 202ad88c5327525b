"""A time people wait for is theirs: a booking cannot be moved into it, from its page or
the service, while anyone is on its waitlist; once the waitlist is exhausted it can."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BookingStatus, WaitlistEntry, WaitlistStatus
from bookings.services import cancel as cancelling
from bookings.services.waitlist import waitlist_join, waitlist_leave
from cases.models import CaseEvent
from notifications.models import Notification
from payments.models import Invoice
from tests.accounts.factories import UserFactory
from tests.bookings.checkout_support import confirmed, local_start, pavilion
from tests.bookings.factories import booking_row

pytestmark = pytest.mark.django_db(transaction=True)

HOUR = datetime.timedelta(hours=1)
WAITING = "People are waiting for this time. Choose another time, or join the waitlist."


def day_ahead() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=40)


@pytest.fixture
def setting():
    """A resident's paid booking 10:00-12:00, forty days ahead; the 15:00-17:00 booking of
    that day was cancelled while Ben waited for it, and Ben is not offered it yet."""
    user = UserFactory()
    facility = pavilion(closed_on_holidays=False)
    booking, _invoice = confirmed(facility, user=user)
    afternoon = local_start(day_ahead(), 15)
    other = booking_row(facility=facility, start=afternoon, minutes=120)
    ben = waitlist_join(
        facility=facility, start=afternoon, minutes=120, name="Ben", email="ben@example.com"
    )
    Booking.objects.filter(pk=other.pk).update(status=BookingStatus.CANCELLED)
    return user, booking, ben


def unchanged(booking, ben) -> None:
    before = (booking.period, booking.price_cents, booking.ics_sequence)
    booking.refresh_from_db()
    assert (booking.period, booking.price_cents, booking.ics_sequence) == before
    assert booking.starts_at == local_start(day_ahead(), 10)
    assert Invoice.objects.count() == 1
    assert not CaseEvent.objects.filter(payload__what="moved").exists()
    assert not Notification.objects.filter(template_key="bookings/changed").exists()
    ben.refresh_from_db()
    assert ben.status == WaitlistStatus.WAITING
    assert not Booking.objects.filter(status=BookingStatus.HELD).exists()


@pytest.mark.parametrize("hour", [15, 14, 16])
def test_the_service_refuses_a_move_into_a_time_people_wait_for(setting, hour):
    # given
    _user, booking, ben = setting
    start = local_start(day_ahead(), hour)

    # when
    with pytest.raises(cancelling.CancelRefused) as refused:
        cancelling.booking_move(booking=booking, starts_at=start, ends_at=start + 2 * HOUR)

    # then: nothing changed, and Ben still waits first
    assert str(refused.value) == WAITING
    unchanged(booking, ben)


def test_the_move_page_refuses_it_and_shows_the_form_again(client, setting):
    # given
    user, booking, ben = setting
    client.force_login(user)
    url = reverse("bookings:booking_move", kwargs={"reference": booking.reference})
    start = local_start(day_ahead(), 15)
    value = f"{start.isoformat()}/{(start + 2 * HOUR).isoformat()}"
    day = day_ahead().isoformat()

    # when
    response = client.post(f"{url}?day={day}", {"slot": value})

    # then
    assert response.status_code == 400
    assert "bookings/booking_move.html" in [t.name for t in response.templates]
    assert WAITING in response.content.decode()
    assert response.context["form"]["slot"].value() == value
    assert response.context["day"] == day_ahead()
    unchanged(booking, ben)


def test_once_the_waitlist_is_exhausted_the_time_can_be_moved_into(setting):
    # given: Ben leaves, nobody else waits
    _user, booking, ben = setting
    waitlist_leave(entry=ben)
    start = local_start(day_ahead(), 15)

    # when
    cancelling.booking_move(booking=booking, starts_at=start, ends_at=start + 2 * HOUR)

    # then
    booking.refresh_from_db()
    assert booking.starts_at == start


def test_a_booking_people_wait_for_may_still_move_within_its_own_time(setting):
    # given: Cleo waits for the booking's own time, 10:00-12:00
    _user, booking, _ben = setting
    cleo = waitlist_join(
        facility=booking.facility,
        start=booking.starts_at,
        minutes=120,
        name="Cleo",
        email="cleo@example.com",
    )

    # when: the booker moves it an hour later, over the time it already has
    start = booking.starts_at + HOUR
    cancelling.booking_move(booking=booking, starts_at=start, ends_at=start + 2 * HOUR)

    # then: it moved; Cleo's time is still taken, so she still waits
    booking.refresh_from_db()
    assert booking.starts_at == start
    assert WaitlistEntry.objects.get(pk=cleo.pk).status == WaitlistStatus.WAITING


def test_nor_into_the_buffer_a_time_people_wait_for_needs():
    # given: a facility with 30 minutes of buffer; the 15:00-17:00 booking, whose buffer ran
    # to 17:30, was cancelled while Ben waited for it
    user = UserFactory()
    facility = pavilion(closed_on_holidays=False, buffer_minutes=30)
    booking, _invoice = confirmed(facility, user=user)
    afternoon = local_start(day_ahead(), 15)
    other = booking_row(facility=facility, start=afternoon, minutes=120)
    ben = waitlist_join(
        facility=facility, start=afternoon, minutes=120, name="Ben", email="ben@example.com"
    )
    Booking.objects.filter(pk=other.pk).update(status=BookingStatus.CANCELLED)
    start = local_start(day_ahead(), 17)

    # when: the booker asks for 17:00, which Ben's offer needs for its buffer
    with pytest.raises(cancelling.CancelRefused) as refused:
        cancelling.booking_move(booking=booking, starts_at=start, ends_at=start + 2 * HOUR)

    # then
    assert str(refused.value) == WAITING
    unchanged(booking, ben)
