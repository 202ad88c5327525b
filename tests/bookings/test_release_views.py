"""Waitlist and lottery pages without JavaScript: join from a taken slot's link, the
confirmation, leaving by a guest link, an offer's link leading to its checkout."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from bookings.models import Booking, BookingStatus, Lottery, LotteryRequest, WaitlistEntry
from bookings.services.waitlist import waitlist_offers_sweep
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.bookings.checkout_support import local_start
from tests.bookings.factories import FacilityFactory, booking_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def slot():
    facility = FacilityFactory()
    start = local_start(timezone.localdate() + datetime.timedelta(days=5))
    taken = booking_row(facility=facility, start=start)
    return facility, start, taken


def join_url(facility, start, minutes=60) -> str:
    url = reverse("bookings:waitlist_join", kwargs={"code": facility.code})
    return f"{url}?start={start.isoformat().replace('+', '%2B')}&minutes={minutes}"


def test_a_guest_joins_from_the_slots_link_and_sees_their_place(client, slot):
    # given
    facility, start, _taken = slot
    page = client.get(join_url(facility, start))
    assert page.status_code == 200
    assert "bookings/waitlist_join.html" in [t.name for t in page.templates]

    # when
    response = client.post(
        join_url(facility, start),
        {"start": start.isoformat(), "minutes": 60, "name": "Ana", "email": "ana@example.com"},
    )

    # then
    entry = WaitlistEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:waitlist_joined", kwargs={"pk": entry.pk})
    done = client.get(response["Location"])
    assert done.status_code == 200 and "number 1" in done.content.decode()
    # another browser cannot read it
    client.cookies.clear()
    assert client.get(response["Location"]).status_code == 404


def test_a_free_slot_is_refused_on_the_form_with_its_reason(client, slot):
    facility, start, taken = slot
    taken.delete()

    response = client.post(
        join_url(facility, start),
        {"start": start.isoformat(), "minutes": 60, "name": "Ana", "email": "ana@example.com"},
    )

    assert response.status_code == 400
    assert "This time is free: you can book it now." in response.content.decode()
    assert not WaitlistEntry.objects.exists()


@pytest.mark.parametrize("query", ["", "?start=tomorrow&minutes=60", "?start=2030-01-01T10:00"])
def test_a_link_without_a_readable_slot_says_so(client, slot, query):
    facility, _start, _taken = slot
    url = reverse("bookings:waitlist_join", kwargs={"code": facility.code}) + query

    response = client.get(url)

    assert response.status_code == 400
    assert "could not read which time you chose" in response.content.decode()


def test_an_unknown_or_draft_facility_is_not_found(client, slot):
    facility, start, _taken = slot
    facility.published_at = None
    facility.save()

    assert client.get(join_url(facility, start)).status_code == 404


def test_a_resident_joins_signed_in_and_leaves_from_their_page(client, slot):
    facility, start, _taken = slot
    user = UserFactory()
    client.force_login(user)

    client.post(join_url(facility, start), {"start": start.isoformat(), "minutes": 60})
    entry = WaitlistEntry.objects.get(user=user)
    leave = reverse("bookings:waitlist_leave", kwargs={"pk": entry.pk})
    assert client.get(leave).status_code == 200
    client.post(leave)

    entry.refresh_from_db()
    assert entry.status == "left"
    # someone else's entry is a plain 404
    client.force_login(UserFactory())
    assert client.get(leave).status_code == 404


def test_a_guest_leaves_by_the_link_in_their_e_mail(client, slot):
    facility, start, _taken = slot
    client.post(
        join_url(facility, start),
        {"start": start.isoformat(), "minutes": 60, "name": "Ana", "email": "ana@example.com"},
    )
    link = Notification.objects.get(template_key="bookings/waitlist_joined").link_url
    path = urlsplit(link).path

    assert client.get(path).status_code == 200
    response = client.post(path)

    assert response.status_code == 200
    assert WaitlistEntry.objects.get().status == "left"
    assert response["Referrer-Policy"] == "same-origin"


def test_an_offers_link_takes_the_browser_to_the_checkout_of_its_hold(client, slot):
    # given: Ana waits, the slot comes free, she is offered it
    facility, start, taken = slot
    client.post(
        join_url(facility, start),
        {"start": start.isoformat(), "minutes": 60, "name": "Ana", "email": "ana@example.com"},
    )
    Booking.objects.filter(pk=taken.pk).update(status=BookingStatus.CANCELLED)
    waitlist_offers_sweep()
    link = Notification.objects.get(template_key="bookings/waitlist_offer", channel="email")
    client.cookies.clear()  # she opens it in another browser

    # when
    response = client.get(urlsplit(link.link_url).path)

    # then
    hold = WaitlistEntry.objects.get().offer
    checkout = reverse("bookings:checkout", kwargs={"reference": hold.reference})
    assert response.status_code == 302 and response["Location"] == checkout
    page = client.get(checkout)
    assert page.status_code == 200
    # held for a day, so the page gives the deadline's date, not only its time
    deadline = date_format(timezone.localtime(hold.hold_expires_at), "DATE_FORMAT")
    assert f"We are holding this time for you until {deadline} at" in page.content.decode()


def test_an_offer_that_ended_says_so(client, slot):
    facility, start, taken = slot
    client.post(
        join_url(facility, start),
        {"start": start.isoformat(), "minutes": 60, "name": "Ana", "email": "ana@example.com"},
    )
    Booking.objects.filter(pk=taken.pk).update(status=BookingStatus.CANCELLED)
    waitlist_offers_sweep()
    link = Notification.objects.get(template_key="bookings/waitlist_offer", channel="email")
    Booking.objects.filter(status=BookingStatus.HELD).update(status=BookingStatus.EXPIRED)

    response = client.get(urlsplit(link.link_url).path)

    assert response.status_code == 410
    assert "This offer has ended" in response.content.decode()


def test_an_altered_offer_link_is_refused(client):
    response = client.get(reverse("bookings:offer", kwargs={"token": "forged-token"}))

    assert response.status_code == 404


def test_a_guest_requests_a_slot_in_an_open_lottery(client):
    # given
    facility = FacilityFactory()
    day = timezone.localdate() + datetime.timedelta(days=10)
    now = timezone.now()
    lottery = Lottery.objects.create(
        facility=facility,
        first_day=day,
        last_day=day,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
    )
    start = local_start(day)
    url = reverse("bookings:lottery_request", kwargs={"pk": lottery.pk})
    query = f"?start={start.isoformat().replace('+', '%2B')}&minutes=60"
    assert client.get(url + query).status_code == 200

    # when
    response = client.post(
        url,
        {
            "start": start.isoformat(),
            "minutes": 60,
            "name": "Ana",
            "email": "ana@example.com",
            "resident": "on",
        },
    )

    # then
    made = LotteryRequest.objects.get()
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert (made.household_key, made.resident) == ("email:ana@example.com", True)


def test_a_taken_time_on_the_availability_page_offers_its_waitlist(client, slot):
    facility, start, _taken = slot
    url = reverse("bookings:availability", kwargs={"code": facility.code})

    response = client.post(url, {"start": start.isoformat(), "minutes": 60})

    assert response.status_code == 409
    assert "Join the waitlist for this time" in response.content.decode()
    link = response.context["release"]["waitlist_url"]
    assert client.get(link).status_code == 200


def test_a_lottery_day_on_the_availability_page_offers_the_lottery(client):
    facility = FacilityFactory()
    day = timezone.localdate() + datetime.timedelta(days=10)
    now = timezone.now()
    lottery = Lottery.objects.create(
        facility=facility,
        first_day=day,
        last_day=day,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
    )
    url = reverse("bookings:availability", kwargs={"code": facility.code})

    response = client.post(url, {"start": local_start(day).isoformat(), "minutes": 60})

    assert response.status_code == 400
    assert "This day is released by lottery" in response.content.decode()
    link = response.context["release"]["lottery_url"]
    assert link.startswith(reverse("bookings:lottery_request", kwargs={"pk": lottery.pk}))
    assert client.get(link).status_code == 200


def test_a_residents_dashboard_lists_their_waitlists_and_their_offers(client, slot):
    # given: a resident waits for a time, and then it is offered to them
    facility, start, taken = slot
    user = UserFactory()
    client.force_login(user)
    client.post(join_url(facility, start), {"start": start.isoformat(), "minutes": 60})
    entry = WaitlistEntry.objects.get(user=user)

    # then
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert "My waitlists" in html
    assert reverse("bookings:waitlist_leave", kwargs={"pk": entry.pk}) in html

    # when
    Booking.objects.filter(pk=taken.pk).update(status=BookingStatus.CANCELLED)
    waitlist_offers_sweep()

    # then
    entry.refresh_from_db()
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert reverse("bookings:checkout", kwargs={"reference": entry.offer.reference}) in html
    assert "Free for you: book it by" in html


def test_a_cancelled_time_people_wait_for_is_not_on_the_availability_page(client, slot):
    # given: Ana waits for the taken hour, then its booking is cancelled
    facility, start, taken = slot
    client.post(
        join_url(facility, start),
        {"start": start.isoformat(), "minutes": 60, "name": "Ana", "email": "ana@example.com"},
    )
    Booking.objects.filter(pk=taken.pk).update(status=BookingStatus.CANCELLED)
    url = reverse("bookings:availability", kwargs={"code": facility.code})
    day = f"?day={timezone.localtime(start).date().isoformat()}"

    # when: anyone looks at that day
    client.cookies.clear()
    html = client.get(url + day).content.decode()

    # then: the hour is not offered, the next one is
    assert f'value="{start.isoformat()}"' not in html
    assert f'value="{(start + datetime.timedelta(hours=1)).isoformat()}"' in html
