"""A staff refund made with a form's one-time key is made once, however often it is sent."""

import time
import uuid

import pytest

from payments import services
from payments.exceptions import RefundRefused
from payments.models import Refund
from tests.payments.factories import InvoiceFactory
from tests.payments.test_services import pay_locally

pytestmark = pytest.mark.django_db


def test_the_same_key_twice_refunds_once(clerk):
    # given
    invoice = InvoiceFactory(purpose="permits.fee")
    payment = pay_locally(invoice)
    key = uuid.uuid4()

    # when
    first = services.refund_issue(
        payment=payment, amount_cents=1000, reason="Fee reduced", actor=clerk, idempotency_key=key
    )
    again = services.refund_issue(
        payment=payment, amount_cents=1000, reason="Fee reduced", actor=clerk, idempotency_key=key
    )

    # then
    assert again.pk == first.pk
    assert Refund.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.amount_refunded_cents == 1000


def test_a_key_used_on_another_payment_is_refused_and_changes_nothing(clerk):
    # given
    key = uuid.uuid4()
    paid = pay_locally(InvoiceFactory(purpose="permits.fee"))
    other = pay_locally(InvoiceFactory(purpose="permits.fee"))
    services.refund_issue(
        payment=paid, amount_cents=1000, reason="Fee reduced", actor=clerk, idempotency_key=key
    )

    # when / then
    with pytest.raises(RefundRefused, match="already used for another payment"):
        services.refund_issue(
            payment=other, amount_cents=500, reason="Other", actor=clerk, idempotency_key=key
        )
    other.refresh_from_db()
    assert other.amount_refunded_cents == 0 and Refund.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_policy_refund_asked_again_after_the_process_died_refunds_once(
    stripe_gateway, monkeypatch
):
    # given: Stripe refunds, and the process dies before the answer is recorded
    from payments.services import refunds as refund_services
    from tests.payments.test_intents import paid_at_stripe

    invoice = InvoiceFactory()
    paid_at_stripe(stripe_gateway, invoice)
    key = uuid.uuid4()
    record = refund_services.refund_apply_locked

    def die(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(refund_services, "refund_apply_locked", die)
    with pytest.raises(SystemExit):
        services.refund_by_policy(
            invoices=[invoice], reason="Event cancelled", amount_cents=3000, idempotency_key=key
        )
    monkeypatch.setattr(refund_services, "refund_apply_locked", record)

    # when: asked again with the request's key
    [refund] = services.refund_by_policy(
        invoices=[invoice], reason="Event cancelled", amount_cents=3000, idempotency_key=key
    )

    # then: Stripe made one refund, recorded once
    [made] = stripe_gateway.refunds.values()
    assert (refund.status, refund.provider_reference, made["amount"]) == (
        "succeeded",
        made["id"],
        3000,
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_refunded_cents) == ("partially_refunded", 3000)
    assert Refund.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_request_key_of_another_policy_is_refused_and_changes_nothing(clerk):
    # given
    invoice = InvoiceFactory()
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=5000, actor=clerk)
    key = uuid.uuid4()
    services.refund_by_policy(
        invoices=[invoice], reason="Cancelled", amount_cents=1000, policy="a", idempotency_key=key
    )

    # when / then
    with pytest.raises(RefundRefused, match="already made for another purpose"):
        services.refund_by_policy(
            invoices=[invoice], reason="Other", amount_cents=1000, policy="b", idempotency_key=key
        )
    invoice.refresh_from_db()
    assert invoice.amount_refunded_cents == 1000 and Refund.objects.count() == 1


def test_the_local_gateway_answers_a_repeated_refund_key_with_the_same_refund():
    # given
    from payments.gateways import get_gateway

    payment = pay_locally(InvoiceFactory(purpose="permits.fee"))
    refund = Refund(payment=payment, amount_cents=1000, reason="Fee reduced")

    # when
    first = get_gateway("local").refund(payment=payment, refund=refund)
    again = get_gateway("local").refund(payment=payment, refund=refund)

    # then
    assert first == again and first.provider_reference == f"local_re_{refund.idempotency_key.hex}"


def given_up_unanswered(stub, settings, *, amount_cents: int):
    """A policy refund Stripe makes, none of whose answers (nor look-ups) arrives in time, so
    the part is given up after the last call; return the invoice, the request's key and the
    refund, once Stripe has made it."""
    from payments.services.intents import MAX_ATTEMPTS
    from payments.tasks import retry_gateway_intents
    from tests.payments.test_intents import paid_at_stripe

    settings.PAYMENTS_GATEWAY_TIMEOUT_SECONDS = 0.3
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0
    invoice = InvoiceFactory()
    paid_at_stripe(stub, invoice)
    key = uuid.uuid4()
    stub.delay_next("POST", "/v1/refunds", seconds=1.0, times=MAX_ATTEMPTS)
    stub.delay_next("GET", "/v1/refunds", seconds=1.0, times=MAX_ATTEMPTS - 1)
    services.refund_by_policy(
        invoices=[invoice], reason="Event cancelled", amount_cents=amount_cents, idempotency_key=key
    )
    for _ in range(MAX_ATTEMPTS - 1):
        retry_gateway_intents()
    deadline = time.monotonic() + 10
    while not stub.refunds:
        assert time.monotonic() < deadline, "Stripe never made the refund"
        time.sleep(0.05)
    return invoice, key, Refund.objects.get()


@pytest.mark.django_db(transaction=True)
def test_a_policy_refund_given_up_unanswered_and_asked_again_refunds_once(stripe_gateway, settings):
    # given: Stripe made the refund, but the part was given up with no answer
    invoice, key, given_up = given_up_unanswered(stripe_gateway, settings, amount_cents=2000)

    # when: the request is asked for again with its key
    [refund] = services.refund_by_policy(
        invoices=[invoice], reason="Event cancelled", amount_cents=2000, idempotency_key=key
    )

    # then: Stripe made one refund, recorded once, on the part first given up
    [made] = stripe_gateway.refunds.values()
    assert (given_up.status, given_up.provider_status) == ("failed", "unknown")
    assert (refund.pk, refund.status, refund.provider_reference) == (
        given_up.pk,
        "succeeded",
        made["id"],
    )
    assert made["amount"] == 2000
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_refunded_cents) == ("partially_refunded", 2000)
    assert Refund.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_stripe_s_refund_webhook_completes_a_part_given_up_unanswered(
    stripe_gateway, settings, post_event
):
    # given: Stripe made the refund, but the part was given up with no answer
    invoice, key, given_up = given_up_unanswered(stripe_gateway, settings, amount_cents=2000)
    session = next(iter(stripe_gateway.sessions.values()))

    # when: Stripe's charge.refunded arrives, then the request is asked for again
    response = post_event(
        stripe_gateway.event("charge.refunded", stripe_gateway.charge(session["id"]))
    )
    [refund] = services.refund_by_policy(
        invoices=[invoice], reason="Event cancelled", amount_cents=2000, idempotency_key=key
    )

    # then: the part given up is the refund Stripe made, counted once
    [made] = stripe_gateway.refunds.values()
    assert response.status_code == 200
    assert (refund.pk, refund.status, refund.provider_reference) == (
        given_up.pk,
        "succeeded",
        made["id"],
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_refunded_cents) == ("partially_refunded", 2000)
    assert Refund.objects.count() == 1
