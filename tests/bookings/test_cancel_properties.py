"""Hostile input on cancelling a booking (the quote and its confirmation): random refund
figures, another resident's booking, a GET, a double submit, and a quote gone stale because
staff approved the booking meanwhile: never a server error, never another person's booking,
and a booking cancelled only for the figure its booker was shown."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from bookings.models import BookingStatus
from bookings.services.approval import booking_approve
from tests.accounts.factories import UserFactory
from tests.bookings.checkout_support import confirmed, local_start, pavilion
from tests.bookings.staff_support import parks, parks_staff
from tests.hostile import VALUES, fuzz, no_server_error

pytestmark = pytest.mark.django_db(transaction=True)


def _mine(owner, **facility):
    parks()
    start = local_start(timezone.localdate() + datetime.timedelta(days=5))
    booking, _invoice = confirmed(pavilion(**facility), start=start, user=owner)
    return booking, reverse("bookings:booking_cancel", kwargs={"reference": booking.reference})


@pytest.fixture
def owner():
    return UserFactory()


@given(figure=st.one_of(VALUES, st.integers().map(str), st.just("13000")))
@fuzz(max_examples=30)
def test_any_refund_figure_cancels_only_for_the_quote_never_a_server_error(owner, figure):
    # given: a booking waiting for approval (everything back: $130.00)
    booking, url = _mine(owner, needs_approval=True)
    client = Client()
    client.force_login(owner)

    # when
    response = client.post(url, {"expected_refund_cents": figure})

    # then: cancelled for the quoted figure, else the page again with its error summary
    no_server_error(response)
    booking.refresh_from_db()
    if response.status_code == 302:
        assert (booking.status, booking.refunded_cents) == (BookingStatus.CANCELLED, 13000)
    else:
        assert response.status_code in (400, 409)
        assert "There is a problem" in response.content.decode()
        assert booking.status == BookingStatus.PENDING_APPROVAL


def test_another_residents_booking_cannot_be_quoted_or_cancelled(owner):
    booking, url = _mine(owner, needs_approval=True)
    client = Client()
    client.force_login(UserFactory())

    shown = client.get(url)
    posted = client.post(url, {"expected_refund_cents": "13000"})

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert "$130.00" not in shown.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING_APPROVAL


def test_a_quote_gone_stale_by_an_approval_shows_the_new_figure_to_confirm(owner):
    # given: the booker saw everything back while the booking waited for approval
    booking, url = _mine(owner, needs_approval=True)
    client = Client()
    client.force_login(owner)
    assert "Cancel my booking and refund $130.00" in client.get(url).content.decode()

    # when: staff approve it, then the booker confirms the figure they saw
    booking_approve(booking=booking, actor=parks_staff("supervisor"))
    stale = client.post(url, {"expected_refund_cents": "13000"})

    # then: nothing cancelled; the tier's figure, to confirm again, with the reason
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "The refund has changed since you looked. Please check it again." in page
    assert "Cancel my booking and refund $50.00" in page
    assert 'name="expected_refund_cents" value="5000"' in page

    # when: confirmed again, then sent a second time (a double click)
    done = client.post(url, {"expected_refund_cents": "5000"})
    again = client.post(url, {"expected_refund_cents": "5000"})

    # then: cancelled once, for the figure shown
    booking.refresh_from_db()
    assert done.status_code == 302
    assert again.status_code == 302
    assert (booking.status, booking.refunded_cents) == (BookingStatus.CANCELLED, 5000)
