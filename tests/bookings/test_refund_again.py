"""Staff ask again, from the booking's page, for a refund the payment service refused: the
"Refund again" button (a plain form: POST, CSRF, no JavaScript), once however often it is
sent, with the timeline and the page's list brought up to date."""

import re

import pytest
from celery.exceptions import Retry
from django.test import Client
from django.urls import reverse
from hypothesis import given

from bookings.selectors_staff import refunds_refused
from bookings.services import cancel as cancelling
from cases.models import CaseEvent
from payments.models import Refund
from tests.bookings.checkout_support import guest_checkout, held, pavilion
from tests.bookings.staff_support import library_staff, parks, parks_staff
from tests.hostile import VALUES, fuzz, no_server_error
from tests.payments.test_intents import paid_at_stripe

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = {"status": 400, "error_type": "invalid_request_error", "code": "charge_disputed"}


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    parks()


@pytest.fixture
def refused(stripe_gateway, settings):
    """A booking paid at Stripe ($130.00) and cancelled for the agency, whose refund Stripe
    did not answer in time and then refused, when the payments app's retry task asked."""
    from payments.tasks import retry_gateway_intents

    booking = held(pavilion())
    paid_at_stripe(stripe_gateway, guest_checkout(booking))
    booking.refresh_from_db()
    stripe_gateway.fail_next("POST", "/v1/refunds", status=500)
    cancelling.booking_cancel_by_agency(booking=booking, actor=parks_staff(), message="Storm")
    stripe_gateway.fail_next("POST", "/v1/refunds", **REFUSED)
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0
    retry_gateway_intents()
    [refund] = refunds_refused(booking=booking)
    assert refund.amount_cents == 13000
    return booking, refund


@pytest.fixture
def supervisor(client):
    """Parks' supervisor: decides its bookings and refunds."""
    user = parks_staff("supervisor", mfa=True)
    client.force_login(user)
    return user


def _page(booking):
    return reverse("admin:bookings_booking_change", args=[booking.pk])


def _again(booking):
    return reverse("admin:bookings_booking_refund_again", args=[booking.pk])


def test_the_page_offers_refund_again_as_a_plain_form(client, supervisor, refused):
    # given
    booking, refund = refused

    # when
    page = client.get(_page(booking)).text

    # then: a form that posts without JavaScript, with its CSRF token and the refund's id
    form = re.search(
        rf'<form method="post" action="{_again(booking)}">(.*?)</form>', page, re.S
    ).group(1)
    assert 'name="csrfmiddlewaretoken"' in form
    assert f'<input type="hidden" name="refund" value="{refund.pk}">' in form
    assert 'type="submit" value="Refund again"' in form
    assert f'aria-describedby="refused-refund-{refund.pk}"' in form


def test_refund_again_gives_the_money_back_and_updates_the_timeline_and_the_list(
    client, supervisor, refused, stripe_gateway
):
    # given
    booking, refund = refused

    # when
    response = client.post(_again(booking), {"refund": refund.pk}, follow=True)

    # then: Stripe refunded $130.00 once; the page says so and lists it no more
    assert response.redirect_chain == [(_page(booking), 302)]
    assert "Asked again: the refund is given back." in response.text
    assert 'id="refused-refunds"' not in response.text
    assert [r["amount"] for r in stripe_gateway.refunds.values()] == [13000]
    booking.refresh_from_db()
    assert booking.refunded_cents == 13000
    # and the timeline says who asked again, and what came of it, for staff
    [event] = CaseEvent.objects.filter(case=booking.case, payload__what="refund_again")
    assert event.audience == CaseEvent.Audience.STAFF
    assert event.actor == supervisor
    assert event.text == "Refund of $130.00 asked for again: given back."


def test_a_double_post_refunds_once(client, supervisor, refused, stripe_gateway):
    # given
    booking, refund = refused
    client.post(_again(booking), {"refund": refund.pk})

    # when: the same form is sent again (a double click, the browser's resend)
    again = client.post(_again(booking), {"refund": refund.pk}, follow=True)

    # then
    assert "Nothing to do: this refund was asked for again already." in again.text
    assert [r["amount"] for r in stripe_gateway.refunds.values()] == [13000]
    assert Refund.objects.filter(retry_of=refund).count() == 1
    assert (
        CaseEvent.objects.filter(case=refund_case(refund), payload__what="refund_again").count()
        == 1
    )


def refund_case(refund):
    from bookings.models import Booking

    return Booking.objects.get(pk=refund.payment.invoice.subject_id).case


def test_a_refusal_again_is_said_and_listed_again(client, supervisor, refused, stripe_gateway):
    # given
    booking, refund = refused
    stripe_gateway.fail_next("POST", "/v1/refunds", **REFUSED)

    # when
    response = client.post(_again(booking), {"refund": refund.pk}, follow=True)

    # then: said, listed again (the retry, with its own button), and on the timeline
    retry = Refund.objects.get(retry_of=refund)
    assert "The payment service refused the refund again. Nothing was given back." in response.text
    assert 'id="refused-refunds"' in response.text
    assert f'name="refund" value="{retry.pk}"' in response.text
    assert f'name="refund" value="{refund.pk}"' not in response.text
    assert not stripe_gateway.refunds
    texts = [e.text for e in CaseEvent.objects.filter(case=booking.case).order_by("pk")]
    assert "Refund of $130.00 asked for again: refused again." in texts
    assert sum(t.startswith("The payment service refused a refund of $130.00") for t in texts) == 2


def test_staff_who_do_not_refund_see_no_button_and_are_refused(client, refused, stripe_gateway):
    # given: a clerk of Parks decides bookings but does not refund
    booking, refund = refused
    client.force_login(parks_staff("clerk", mfa=True))

    # when
    page = client.get(_page(booking)).text
    response = client.post(_again(booking), {"refund": refund.pk})

    # then
    assert 'id="refused-refunds"' in page and "Refund again" not in page
    assert response.status_code == 400
    assert "Only active staff whose role allows it can do this." in response.text
    assert Refund.objects.count() == 1 and not stripe_gateway.refunds


def test_staff_of_another_department_do_not_reach_it(client, refused):
    booking, refund = refused
    client.force_login(library_staff(mfa=True))

    response = client.post(_again(booking), {"refund": refund.pk})

    assert response.status_code == 404
    assert Refund.objects.count() == 1


def test_a_refund_of_another_booking_is_refused(client, supervisor, refused, stripe_gateway):
    # given: another booking's refund, refused too
    booking, _refund = refused
    other = held(pavilion())
    paid_at_stripe(stripe_gateway, guest_checkout(other))
    stripe_gateway.fail_next("POST", "/v1/refunds", **REFUSED)
    with pytest.raises(Retry):  # the refund task, run inline, is retried
        cancelling.booking_cancel_by_agency(booking=other, actor=parks_staff(), message="Storm")
    [theirs] = refunds_refused(booking=other)

    # when
    response = client.post(_again(booking), {"refund": theirs.pk})

    # then
    assert response.status_code == 400
    assert "This refund is not one of this booking&#x27;s." in response.text
    assert Refund.objects.filter(retry_of=theirs).count() == 0


def test_refund_again_needs_the_csrf_token(refused, stripe_gateway):
    # given
    booking, refund = refused
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(parks_staff("supervisor", mfa=True))

    # when: a post without the page's token, then one with it
    forged = browser.post(_again(booking), {"refund": refund.pk})
    page = browser.get(_page(booking)).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    sent = browser.post(_again(booking), {"refund": refund.pk, "csrfmiddlewaretoken": token})

    # then
    assert forged.status_code == 403
    assert sent.status_code == 302
    assert [r["amount"] for r in stripe_gateway.refunds.values()] == [13000]


def test_refund_again_takes_post_only(client, supervisor, refused):
    booking, _refund = refused
    assert client.get(_again(booking)).status_code == 405


def test_a_missing_refund_shows_the_page_again_with_why(client, supervisor, refused):
    booking, _refund = refused
    response = client.post(_again(booking), {})
    assert response.status_code == 400
    assert "Choose a refund from the list of refunds to ask for again." in response.text


@given(value=VALUES)
@fuzz(max_examples=40)
def test_any_refund_value_is_refused_or_asked_once_never_a_server_error(
    client, supervisor, refused, stripe_gateway, value
):
    # given
    booking, refund = refused

    # when
    response = client.post(_again(booking), {"refund": value})

    # then
    no_server_error(response)
    assert Refund.objects.filter(retry_of=refund).count() <= 1
    assert len(stripe_gateway.refunds) <= 1
