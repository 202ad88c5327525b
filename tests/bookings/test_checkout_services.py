"""Guest checkout: details and answers, the invoice, paying once, confirmation, and a
payment that arrives after the hold ended being refunded."""

import datetime

import pytest
from django.utils import timezone

from bookings.models import BookingStatus
from bookings.services import checkout
from cases.links import LinkScope, resolve_link
from notifications.models import Notification
from payments import services as payments
from payments.models import Invoice, Payment, Refund
from tests.bookings.checkout_support import (
    CANCEL,
    SUCCESS,
    guest_checkout,
    held,
    pavilion,
    pay_locally,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_guest_checkout_records_the_booker_and_issues_one_invoice():
    # given: a two-hour hold of a $40/hour pavilion with a $50 deposit
    booking = held(pavilion())

    # when
    invoice = guest_checkout(booking, phone="+12025550143")

    # then
    booking.refresh_from_db()
    assert (booking.guest_name, booking.guest_email, booking.guest_phone) == (
        "Ana Pérez",
        "ana@example.com",
        "+12025550143",
    )
    assert (booking.status, booking.price_cents, booking.deposit_cents) == ("held", 8000, 5000)
    assert booking.case is not None and booking.case.status == "pending_payment"
    assert (invoice.total_cents, invoice.purpose, invoice.subject_id) == (
        13000,
        "bookings.booking",
        booking.pk,
    )
    assert invoice.expires_at == booking.hold_expires_at


def test_resident_rate_is_charged_when_asked():
    booking = held(pavilion())
    invoice = guest_checkout(booking, resident=True)
    assert invoice.total_cents == 2 * 2500 + 5000


def test_second_click_on_pay_changes_nothing():
    # given
    booking = held(pavilion())

    # when: the form is sent twice and payment started twice
    first = guest_checkout(booking)
    again = guest_checkout(booking)
    attempt = payments.payment_attempt_start(invoice=first, success_url=SUCCESS, cancel_url=CANCEL)
    repeat = payments.payment_attempt_start(invoice=again, success_url=SUCCESS, cancel_url=CANCEL)

    # then: one invoice, one checkout attempt, one case
    assert first.pk == again.pk
    assert Invoice.objects.filter(purpose="bookings.booking").count() == 1
    assert attempt.pk == repeat.pk
    assert Payment.objects.count() == 1


def test_missing_name_email_and_answers_are_refused_together():
    booking = held(pavilion())
    with pytest.raises(checkout.AnswersInvalid) as refused:
        guest_checkout(booking, name=" ", email="")
    assert set(refused.value.errors) == {"name", "email"}
    assert not Invoice.objects.exists()


def test_checkout_after_the_hold_ended_is_refused():
    booking = held(pavilion())
    booking.hold_expires_at = timezone.now() - datetime.timedelta(seconds=1)
    booking.save(update_fields=["hold_expires_at"])
    with pytest.raises(checkout.CheckoutRefused):
        guest_checkout(booking)
    assert not Invoice.objects.exists()


def test_paying_confirms_the_booking_and_sends_the_link_and_calendar():
    # given
    booking = held(pavilion())
    invoice = guest_checkout(booking)

    # when
    pay_locally(invoice)

    # then
    booking.refresh_from_db()
    invoice.refresh_from_db()
    assert (booking.status, booking.hold_expires_at, invoice.status) == ("confirmed", None, "paid")
    assert booking.case.status == "confirmed"
    notice = Notification.objects.get(template_key="bookings/confirmed", channel="email")
    assert notice.to_address == "ana@example.com"
    assert notice.context["reference"] == booking.reference
    assert notice.context["calendar_url"].endswith("/calendar.ics")
    token = notice.link_url.rstrip("/").rsplit("/", 1)[1]
    assert resolve_link(token, LinkScope.CANCEL, model=type(booking)).target == booking


def test_a_facility_needing_approval_waits_for_staff_after_payment():
    booking = held(pavilion(needs_approval=True))
    pay_locally(guest_checkout(booking))
    booking.refresh_from_db()
    assert (booking.status, booking.case.status) == ("pending_approval", "pending_approval")


def test_payment_after_the_hold_ended_is_refunded_and_the_visitor_told():
    # given: checkout started while held
    booking = held(pavilion())
    invoice = guest_checkout(booking)
    attempt = payments.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    # and the hold ends (the sweep releases the slot) while the visitor is paying
    booking.hold_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    booking.status = BookingStatus.EXPIRED
    booking.save(update_fields=["hold_expires_at", "status"])

    # when: the payment arrives anyway
    payments.payment_local_complete(payment=attempt, approved=True)

    # then: nothing is booked and every cent goes back
    booking.refresh_from_db()
    invoice.refresh_from_db()
    assert booking.status == "expired"
    assert booking.case.status == "expired"
    assert (invoice.status, invoice.amount_refunded_cents) == ("refunded", invoice.total_cents)
    assert Refund.objects.get().policy == "bookings.hold_ended"
    assert booking.refunded_cents == invoice.total_cents
    assert Notification.objects.filter(
        template_key="bookings/late_payment_refunded", to_address="ana@example.com"
    ).exists()


def test_payment_after_the_hold_time_before_the_sweep_is_refunded_too():
    booking = held(pavilion())
    invoice = guest_checkout(booking)
    attempt = payments.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    booking.hold_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    booking.save(update_fields=["hold_expires_at"])

    payments.payment_local_complete(payment=attempt, approved=True)

    booking.refresh_from_db()
    invoice.refresh_from_db()
    assert (booking.status, invoice.status) == ("expired", "refunded")


def test_late_refund_run_twice_refunds_once():
    booking = held(pavilion())
    invoice = guest_checkout(booking)
    attempt = payments.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    booking.hold_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    booking.save(update_fields=["hold_expires_at"])
    payments.payment_local_complete(payment=attempt, approved=True)

    again = checkout.late_payment_refund(booking_id=booking.pk, invoice_id=invoice.pk)

    # The same request, finished already: what it gave back, and nothing more.
    invoice.refresh_from_db()
    [refund] = Refund.objects.all()
    assert again == refund.amount_cents == invoice.amount_paid_cents


def test_unpaid_invoice_expiring_closes_the_case():
    booking = held(pavilion())
    invoice = guest_checkout(booking)
    Invoice.objects.filter(pk=invoice.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    payments.invoices_expire_due()

    booking.refresh_from_db()
    assert (booking.status, booking.case.status) == ("expired", "expired")


def test_stripe_checkout_webhook_confirms_the_booking(stripe_gateway, post_event):
    # given
    booking = held(pavilion())
    invoice = guest_checkout(booking)
    attempt = payments.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    session = stripe_gateway.pay(attempt.provider_reference)

    # when: Stripe's signed webhook, delivered twice
    first = post_event(stripe_gateway.event("checkout.session.completed", session))
    second = post_event(stripe_gateway.event("checkout.session.completed", session))

    # then
    booking.refresh_from_db()
    assert (first.status_code, second.status_code) == (200, 200)
    assert booking.status == "confirmed"
    assert (
        Notification.objects.filter(template_key="bookings/confirmed", channel="email").count() == 1
    )


def test_late_stripe_payment_is_refunded_through_stripe(stripe_gateway, post_event):
    booking = held(pavilion())
    invoice = guest_checkout(booking)
    attempt = payments.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    booking.hold_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    booking.status = BookingStatus.EXPIRED
    booking.save(update_fields=["hold_expires_at", "status"])
    session = stripe_gateway.pay(attempt.provider_reference)

    post_event(stripe_gateway.event("checkout.session.completed", session))

    invoice.refresh_from_db()
    assert invoice.status == "refunded"
    [refund] = Refund.objects.all()
    assert refund.provider_reference.startswith("re_")
    assert stripe_gateway.requests_to("POST", "/v1/refunds")
