"""A booking's refund task is delivered again when its worker dies (`acks_late`): the second
delivery finishes the first one's refund and never asks the gateway for a second."""

import datetime

import pytest

from bookings import refund_tasks
from bookings.services import cancel as cancelling
from payments import services as payments
from payments.models import Invoice, Refund
from payments.services import refunds as payment_refunds
from tests.accounts.factories import StaffFactory
from tests.bookings.checkout_support import NEW_YORK, guest_checkout, held, pavilion
from tests.payments.test_intents import paid_at_stripe

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"


def day_before(booking, days: int) -> datetime.datetime:
    day = booking.starts_at.astimezone(NEW_YORK).date() - datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=NEW_YORK)


@pytest.fixture
def deliveries(monkeypatch):
    """Every message the refund task is sent, so the test can deliver one again."""
    sent = []
    delay = refund_tasks.refund_booking.delay

    def record(*args):
        sent.append(args)
        return delay(*args)

    monkeypatch.setattr(refund_tasks.refund_booking, "delay", record)
    return sent


def paid_in_two_parts(stub):
    """$80 fee + $50 deposit: $80.00 at Stripe, then $50.00 at the counter."""
    booking = held(pavilion())
    invoice = guest_checkout(booking)
    Invoice.objects.filter(pk=invoice.pk).update(minimum_payment_cents=1000)
    invoice.refresh_from_db()
    paid_at_stripe(stub, invoice, amount_cents=8000)
    payments.payment_record_counter(
        invoice=invoice, method="cash", amount_cents=5000, actor=StaffFactory(roles=["cashier"])
    )
    booking.refresh_from_db()
    return booking, invoice


def die_once(monkeypatch, target, name, *, when=lambda *a, **k: True):
    """Make `target.name` end the worker (SystemExit) the first time `when` holds."""
    original = getattr(target, name)
    died = []

    def dying(*args, **kwargs):
        if not died and when(*args, **kwargs):
            died.append(True)
            raise SystemExit("worker killed")
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, dying)
    return died


@pytest.mark.parametrize(
    "crash",
    ["after the gateway refunded", "before the gateway was asked"],
)
def test_a_refund_task_delivered_again_after_its_worker_died_refunds_once(
    stripe_gateway, monkeypatch, deliveries, crash
):
    # given: the cancellation gives back $90.00: the counter's $50.00 (newest first), then
    # $40.00 at Stripe; the worker dies around Stripe's refund
    booking, invoice = paid_in_two_parts(stripe_gateway)
    if crash == "after the gateway refunded":
        # Stripe made the refund; the worker dies before its answer is recorded.
        died = die_once(
            monkeypatch,
            payment_refunds,
            "refund_apply_locked",
            when=lambda invoice, payment, refund: payment.gateway == "stripe",
        )
    else:
        # The refunds are recorded; the worker dies before Stripe is asked.
        from payments.gateways.stripe import StripeGateway

        died = die_once(monkeypatch, StripeGateway, "refund")
    with pytest.raises(SystemExit):
        cancelling.booking_cancel(
            booking=booking, expected_refund_cents=9000, now=day_before(booking, 29)
        )
    assert died and len(deliveries) == 1

    # when: the broker delivers the unacknowledged message again
    refund_tasks.refund_booking.apply(args=deliveries[0], throw=True)

    # then: Stripe refunded $40.00 once; $90.00 is refunded on the invoice and the booking
    assert [r["amount"] for r in stripe_gateway.refunds.values()] == [4000]
    invoice.refresh_from_db()
    booking.refresh_from_db()
    assert invoice.amount_refunded_cents == booking.refunded_cents == 9000
    assert sorted(Refund.objects.values_list("amount_cents", "status")) == [
        (4000, "succeeded"),
        (5000, "succeeded"),
    ]

    # and a third delivery changes nothing
    refund_tasks.refund_booking.apply(args=deliveries[0], throw=True)
    assert len(stripe_gateway.refunds) == 1 and Refund.objects.count() == 2


def test_a_booking_refund_stripe_refuses_later_shows_on_the_booking_for_staff(
    stripe_gateway, settings, client
):
    # given: a booking paid at Stripe is cancelled for the agency; Stripe does not answer the
    # refund in time, and refuses it when the payments app's retry task asks again
    from django.urls import reverse

    from bookings.selectors_staff import refunds_refused
    from cases.models import CaseEvent
    from payments.tasks import retry_gateway_intents
    from tests.bookings.staff_support import parks, parks_staff

    parks()
    booking = held(pavilion())
    invoice = guest_checkout(booking)
    paid_at_stripe(stripe_gateway, invoice)
    booking.refresh_from_db()
    clerk = parks_staff(mfa=True)
    stripe_gateway.fail_next("POST", "/v1/refunds", status=500)
    cancelling.booking_cancel_by_agency(booking=booking, actor=clerk, message="Storm damage")
    stripe_gateway.fail_next(
        "POST", "/v1/refunds", status=400, error_type="invalid_request_error", code="disputed"
    )
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0

    # when
    retry_gateway_intents()

    # then: staff read on the booking's timeline that $130.00 was not given back, and why
    [event] = CaseEvent.objects.filter(case=booking.case, payload__what="refund_failed")
    assert event.audience == CaseEvent.Audience.STAFF
    assert event.text.startswith("The payment service refused a refund of $130.00: ")
    assert "InvalidRequestError (disputed)" in event.text
    # and the booking's staff page lists it as money still to give back
    [refused] = refunds_refused(booking=booking)
    assert refused.amount_cents == 13000
    client.force_login(clerk)
    page = client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    assert page.status_code == 200
    assert 'id="refused-refunds"' in page.text and "$130.00" in page.text


def test_a_booking_refund_stripe_never_answers_is_not_called_refused(
    stripe_gateway, settings, client
):
    # given: a booking paid at Stripe is cancelled for the agency, and Stripe answers none of
    # the refund's calls (500), so the payments app's retry task gives it up: Stripe may have
    # made it all the same
    from bookings.selectors_staff import refunds_refused
    from cases.models import CaseEvent
    from payments.models import RefundStatus
    from payments.services.intents import MAX_ATTEMPTS
    from payments.tasks import retry_gateway_intents
    from tests.bookings.staff_support import parks, parks_staff

    parks()
    booking = held(pavilion())
    invoice = guest_checkout(booking)
    paid_at_stripe(stripe_gateway, invoice)
    booking.refresh_from_db()
    clerk = parks_staff(mfa=True)
    stripe_gateway.fail_next("POST", "/v1/refunds", status=500, times=MAX_ATTEMPTS)
    cancelling.booking_cancel_by_agency(booking=booking, actor=clerk, message="Storm damage")
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0

    # when
    for _ in range(MAX_ATTEMPTS):
        retry_gateway_intents()

    # then: staff read on the booking's timeline that the payment service did not answer, not
    # that it refused, and to check with it before giving the money back another way
    assert Refund.objects.get().status == RefundStatus.FAILED
    [event] = CaseEvent.objects.filter(case=booking.case, payload__what="refund_failed")
    assert event.audience == CaseEvent.Audience.STAFF
    assert "refused" not in event.text
    assert event.text.startswith("The payment service did not answer a refund of $130.00: ")
    assert event.text.endswith(
        "It may have been given back: check with the payment service before giving it back "
        "another way."
    )
    assert [refund.amount_cents for refund in refunds_refused(booking=booking)] == [13000]


def test_a_refused_part_asked_again_and_made_is_no_longer_listed(stripe_gateway, deliveries):
    # given: Stripe refuses the refund task's first call; the task's retry makes it
    from celery.exceptions import Retry

    from bookings.selectors_staff import refunds_refused

    booking = held(pavilion())
    invoice = guest_checkout(booking)
    paid_at_stripe(stripe_gateway, invoice)
    booking.refresh_from_db()
    stripe_gateway.fail_next("POST", "/v1/refunds", status=400, error_type="invalid_request_error")
    with pytest.raises(Retry) as retry:
        cancelling.booking_cancel(
            booking=booking, expected_refund_cents=9000, now=day_before(booking, 29)
        )
    assert [r.amount_cents for r in refunds_refused(booking=booking)] == [9000]

    # when
    retry.value.sig.apply()

    # then
    assert refunds_refused(booking=booking) == []
    assert [r["amount"] for r in stripe_gateway.refunds.values()] == [9000]
