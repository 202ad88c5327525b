"""Moving a booking from its page, by its booker's account or their guest link, without
JavaScript: the free times of a day, the move, and what cannot be moved to."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import BookingStatus
from bookings.services import checkout
from cases.links import LinkScope, issue_link
from tests.accounts.factories import UserFactory
from tests.bookings.checkout_support import confirmed, local_start, pavilion
from tests.bookings.factories import booking_row

pytestmark = pytest.mark.django_db(transaction=True)


def day_ahead(days: int = 40) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def slot_value(start: datetime.datetime, hours: int = 2) -> str:
    return f"{start.isoformat()}/{(start + datetime.timedelta(hours=hours)).isoformat()}"


def guest_move_url(booking) -> str:
    issued = issue_link(
        booking, LinkScope.CANCEL, page=checkout.MANAGE_PAGE, email=booking.guest_email
    )
    return reverse("bookings:guest_booking_move", kwargs={"token": issued.token})


def test_a_resident_moves_their_booking_to_another_free_time(client):
    # given: booked 10-12, 40 days ahead
    user = UserFactory()
    booking, _invoice = confirmed(pavilion(closed_on_holidays=False), user=user)
    client.force_login(user)
    url = reverse("bookings:booking_move", kwargs={"reference": booking.reference})
    new_start = local_start(day_ahead(), 15)

    # when
    page = client.get(url)
    response = client.post(url, {"slot": slot_value(new_start)})

    # then
    assert page.status_code == 200
    assert "bookings/booking_move.html" in [t.name for t in page.templates]
    assert slot_value(new_start) in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "bookings:booking", kwargs={"reference": booking.reference}
    )
    booking.refresh_from_db()
    assert booking.starts_at == new_start and booking.status == BookingStatus.CONFIRMED
    assert booking.ics_sequence == 1
    detail = client.get(response["Location"]).content.decode()
    assert "Your booking is moved." in detail and "Change the time" in detail


def test_a_guest_moves_through_their_link_and_sees_another_day(client):
    # given
    booking, _invoice = confirmed(pavilion(closed_on_holidays=False))
    url = guest_move_url(booking)
    other_day = day_ahead(41)

    # when
    page = client.get(url, {"day": other_day.isoformat()})
    response = client.post(
        f"{url}?day={other_day.isoformat()}", {"slot": slot_value(local_start(other_day, 9))}
    )

    # then
    assert slot_value(local_start(other_day, 9)) in page.content.decode()
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == local_start(other_day, 9)


def test_a_time_taken_meanwhile_or_made_up_rerenders_with_the_error(client):
    # given: someone booked 15-17 after the page was shown
    user = UserFactory()
    facility = pavilion(closed_on_holidays=False)
    booking, _invoice = confirmed(facility, user=user)
    booking_row(facility=facility, start=local_start(day_ahead(), 15), minutes=120)
    client.force_login(user)
    url = reverse("bookings:booking_move", kwargs={"reference": booking.reference})

    # when
    taken = client.post(url, {"slot": slot_value(local_start(day_ahead(), 15))})
    made_up = client.post(url, {"slot": "next tuesday"})

    # then
    assert taken.status_code == 400
    assert "no longer free" in taken.content.decode()
    assert made_up.status_code == 400
    assert "Choose one of the free times." in made_up.content.decode()
    booking.refresh_from_db()
    assert booking.starts_at == local_start(day_ahead(), 10)


@pytest.mark.parametrize("day", ["", "soon", "0001-01-01", "9999-12-31", "2026-13-01"])
def test_any_day_shows_the_page(client, day):
    user = UserFactory()
    booking, _invoice = confirmed(pavilion(closed_on_holidays=False), user=user)
    client.force_login(user)
    url = reverse("bookings:booking_move", kwargs={"reference": booking.reference})

    assert client.get(url, {"day": day}).status_code == 200


def test_another_residents_booking_cannot_be_moved(client):
    booking, _invoice = confirmed(pavilion(), user=UserFactory())
    client.force_login(UserFactory())
    url = reverse("bookings:booking_move", kwargs={"reference": booking.reference})

    assert client.get(url).status_code == 404
    assert client.post(url, {"slot": slot_value(local_start(day_ahead(), 15))}).status_code == 404


def test_the_time_a_booking_is_moved_from_is_offered_to_the_first_person_waiting_at_once(client):
    # given: booked 10-12, 40 days ahead; Ben, then Cleo, wait for that time
    from bookings.models import WaitlistStatus
    from bookings.services.waitlist import waitlist_join

    user = UserFactory()
    booking, _invoice = confirmed(pavilion(closed_on_holidays=False), user=user)
    ben, cleo = (
        waitlist_join(
            facility=booking.facility,
            start=booking.starts_at,
            minutes=120,
            name=who,
            email=f"{who.lower()}@example.com",
        )
        for who in ("Ben", "Cleo")
    )
    client.force_login(user)
    url = reverse("bookings:booking_move", kwargs={"reference": booking.reference})

    # when: the booker moves it to the afternoon from its page
    response = client.post(url, {"slot": slot_value(local_start(day_ahead(), 15))})

    # then: Ben holds the morning as soon as the move is saved, without the waitlist sweep
    assert response.status_code == 302
    ben.refresh_from_db()
    cleo.refresh_from_db()
    assert ben.status == WaitlistStatus.OFFERED
    assert ben.offer.status == BookingStatus.HELD
    assert ben.offer.period.lower == booking.starts_at
    assert cleo.status == WaitlistStatus.WAITING
