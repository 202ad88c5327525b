"""Real concurrency: threads with their own database connections, committed transactions."""

import json

import pytest
from django.db import transaction
from django.test import Client

from payments import services
from payments.models import Payment, Receipt, StripeEvent
from tests.concurrency import run_together
from tests.payments.conftest import WEBHOOK_SECRET
from tests.payments.factories import InvoiceFactory
from tests.payments.stripe_stub import signature_header

pytestmark = pytest.mark.django_db(transaction=True)

SUCCESS = "https://portal.example.gov/return/"
CANCEL = "https://portal.example.gov/cancel/"


def deliver(body: str):
    header = signature_header(body, WEBHOOK_SECRET)
    response = Client().post(
        "/payments/stripe/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    return response.status_code


def test_the_same_event_delivered_20_times_some_at_once_gives_one_payment(stripe_gateway):
    # given

    invoice = InvoiceFactory()
    payment = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    event = stripe_gateway.event(
        "checkout.session.completed", stripe_gateway.pay(payment.provider_reference)
    )
    body = json.dumps(event)

    # when: 5 deliveries one after the other, then 15 at the same instant
    sequential = [deliver(body) for _ in range(5)]
    concurrent = run_together(15, lambda i: deliver(body))

    # then
    invoice.refresh_from_db()
    assert sequential + concurrent == [200] * 20
    assert (invoice.status, invoice.amount_paid_cents) == ("paid", 5000)
    assert Payment.objects.filter(status="succeeded").count() == 1
    assert (StripeEvent.objects.count(), Receipt.objects.count()) == (1, 1)


def test_pay_clicked_at_once_in_several_tabs_opens_one_checkout(stripe_gateway):
    # given
    invoice = InvoiceFactory()

    # when
    attempts = run_together(
        6,
        lambda i: (
            services.payment_attempt_start(
                invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
            ).pk
        ),
    )

    # then
    assert len(set(attempts)) == 1
    assert Payment.objects.count() == 1
    assert len(stripe_gateway.requests_to("POST", "/v1/checkout/sessions")) == 1


def test_webhook_and_return_page_settling_at_once_pay_once(stripe_gateway):
    # given: paid at Stripe; the webhook and the payer's return arrive together

    invoice = InvoiceFactory()
    payment = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    body = json.dumps(
        stripe_gateway.event(
            "checkout.session.completed", stripe_gateway.pay(payment.provider_reference)
        )
    )

    def work(i):
        if i % 2:
            return deliver(body)
        return services.payment_refresh(payment=Payment.objects.get(pk=payment.pk)).status

    # when
    results = run_together(8, work)

    # then
    assert sorted(map(str, results)) == ["200"] * 4 + ["succeeded"] * 4
    assert Receipt.objects.count() == 1


def test_invoice_lock_needs_a_transaction():
    # given: in autocommit, the lock would be let go at once
    invoice = InvoiceFactory()

    # when / then
    with pytest.raises(transaction.TransactionManagementError):
        services.invoice_lock(invoice_id=invoice.pk)
