"""Stripe's `charge.refunded` as Stripe sends it since API version 2022-11-15: the charge no
longer embeds its refunds, so the portal asks Stripe for them (outside any lock) and matches
them to the refunds it asked for, or records the ones made in Stripe's dashboard, once.
The real `stripe` library against the local stub, real signed payloads."""

import pytest

from payments import services
from payments.gateways import GatewayError, get_gateway
from payments.models import Receipt, Refund, StripeEvent
from tests.accounts.factories import StaffFactory
from tests.payments.factories import InvoiceFactory
from tests.payments.test_intents import (
    in_thread,
    paid_at_stripe,
    rows_lockable_now,
    wait_for_request,
)
from tests.payments.test_refund_keys import given_up_unanswered

pytestmark = pytest.mark.django_db(transaction=True)


def refunded_in_dashboard(stub, payment, *, refund_id: str, amount: int) -> dict:
    """Staff refund `amount` of `payment` (paid at Stripe) in Stripe's dashboard; return the
    charge Stripe's `charge.refunded` then carries."""
    session = stub.sessions[payment.provider_reference]
    stub.refunds[refund_id] = {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "currency": "usd",
        "payment_intent": session["payment_intent"],
        "charge": session["_charge"],
        "status": "succeeded",
        "metadata": {},
    }
    return stub.charge(payment.provider_reference)


def refund_receipts(invoice) -> int:
    return Receipt.objects.filter(invoice=invoice, kind="refund").count()


def test_the_stub_sends_the_charge_without_its_refunds_as_stripe_does(stripe_gateway):
    # given
    payment = paid_at_stripe(stripe_gateway, InvoiceFactory())

    # when
    charge = refunded_in_dashboard(stripe_gateway, payment, refund_id="re_d1", amount=1000)

    # then
    assert "refunds" not in charge
    assert charge["amount_refunded"] == 1000


def test_a_late_charge_refunded_completes_a_refund_given_up_unanswered(
    stripe_gateway, settings, post_event
):
    # given: Stripe made the portal's refund, but the portal gave it up with no answer
    invoice, _key, given_up = given_up_unanswered(stripe_gateway, settings, amount_cents=2000)
    session = next(iter(stripe_gateway.sessions.values()))
    event = stripe_gateway.event("charge.refunded", stripe_gateway.charge(session["id"]))

    # when: Stripe's charge.refunded arrives late
    response = post_event(event)

    # then: the refund given up is the one Stripe made, in the books once
    [made] = stripe_gateway.refunds.values()
    given_up.refresh_from_db()
    invoice.refresh_from_db()
    assert (response.status_code, response.json()) == (200, {"status": "applied"})
    assert (given_up.status, given_up.provider_reference) == ("succeeded", made["id"])
    assert given_up.intent.status == "succeeded"
    assert Refund.objects.count() == 1
    assert (invoice.status, invoice.amount_refunded_cents) == ("partially_refunded", 2000)
    assert refund_receipts(invoice) == 1


def test_refund_again_after_a_late_charge_refunded_finds_nothing_to_do(
    stripe_gateway, settings, post_event
):
    # given: a refund given up unanswered, then completed by Stripe's late charge.refunded
    invoice, _key, given_up = given_up_unanswered(stripe_gateway, settings, amount_cents=2000)
    session = next(iter(stripe_gateway.sessions.values()))
    post_event(stripe_gateway.event("charge.refunded", stripe_gateway.charge(session["id"])))
    calls = len(stripe_gateway.requests)

    # when: staff press "Refund again" on it
    outcome = services.refund_retry(refund_id=given_up.pk, actor=StaffFactory(roles=["cashier"]))

    # then: nothing to ask, nothing counted twice
    invoice.refresh_from_db()
    assert (outcome.repeated, outcome.refund.pk, outcome.refund.status) == (
        True,
        given_up.pk,
        "succeeded",
    )
    assert len(stripe_gateway.requests) == calls
    assert Refund.objects.count() == 1
    assert (invoice.amount_refunded_cents, refund_receipts(invoice)) == (2000, 1)


def test_a_dashboard_refund_is_recorded_once_with_its_stripe_id(stripe_gateway, post_event):
    # given
    payment = paid_at_stripe(stripe_gateway, InvoiceFactory())
    charge = refunded_in_dashboard(stripe_gateway, payment, refund_id="re_dash", amount=2000)

    # when
    response = post_event(stripe_gateway.event("charge.refunded", charge))

    # then
    refund = Refund.objects.get()
    payment.invoice.refresh_from_db()
    assert response.status_code == 200
    assert (refund.amount_cents, refund.provider_reference, refund.origin) == (
        2000,
        "re_dash",
        "gateway",
    )
    assert (refund.status, refund.issued_by) == ("succeeded", None)
    assert payment.invoice.amount_refunded_cents == 2000
    [listing] = stripe_gateway.requests_to("GET", "/v1/refunds")
    assert listing.params["payment_intent"] == payment.provider_payment_id


def test_events_delivered_twice_and_out_of_order_change_nothing_more(stripe_gateway, post_event):
    # given: two refunds in Stripe's dashboard, one event after each
    payment = paid_at_stripe(stripe_gateway, InvoiceFactory())
    first = stripe_gateway.event(
        "charge.refunded",
        refunded_in_dashboard(stripe_gateway, payment, refund_id="re_one", amount=2000),
    )
    second = stripe_gateway.event(
        "charge.refunded",
        refunded_in_dashboard(stripe_gateway, payment, refund_id="re_two", amount=1000),
    )

    # when: the second arrives first, then each again
    statuses = [post_event(event).status_code for event in (second, first, second, first)]

    # then: each refund Stripe made is in the books once, with its own id
    invoice = payment.invoice
    invoice.refresh_from_db()
    assert statuses == [200, 200, 200, 200]
    assert sorted(Refund.objects.values_list("provider_reference", "amount_cents")) == [
        ("re_one", 2000),
        ("re_two", 1000),
    ]
    assert (invoice.amount_refunded_cents, refund_receipts(invoice)) == (3000, 2)
    assert list(StripeEvent.objects.values_list("status", flat=True)) == ["applied", "applied"]


def test_a_portal_refund_and_a_dashboard_refund_are_told_apart(stripe_gateway, post_event, clerk):
    # given: the portal refunded $10; staff refunded $5 more in Stripe's dashboard
    payment = paid_at_stripe(stripe_gateway, InvoiceFactory())
    ours = services.refund_issue(payment=payment, amount_cents=1000, reason="Fee", actor=clerk)
    charge = refunded_in_dashboard(stripe_gateway, payment, refund_id="re_dash", amount=500)

    # when
    post_event(stripe_gateway.event("charge.refunded", charge))

    # then
    payment.refresh_from_db()
    ours.refresh_from_db()
    assert set(Refund.objects.values_list("provider_reference", "amount_cents", "origin")) == {
        (ours.provider_reference, 1000, "staff"),
        ("re_dash", 500, "gateway"),
    }
    assert payment.amount_refunded_cents == 1500


@pytest.mark.parametrize(
    ("status", "error_type"), [(500, "api_error"), (429, "rate_limit_error"), (401, "")]
)
def test_stripe_unreachable_keeps_the_event_for_its_next_delivery(
    stripe_gateway, post_event, status, error_type
):
    # given: a dashboard refund, and Stripe does not answer the look-up of its refunds
    payment = paid_at_stripe(stripe_gateway, InvoiceFactory())
    event = stripe_gateway.event(
        "charge.refunded",
        refunded_in_dashboard(stripe_gateway, payment, refund_id="re_dash", amount=2000),
    )
    stripe_gateway.fail_next("GET", "/v1/refunds", status=status, error_type=error_type)

    # when
    response = post_event(event)

    # then: answered "try again later" (Stripe redelivers), kept, nothing recorded
    stored = StripeEvent.objects.get()
    assert (response.status_code, response.json()) == (503, {"status": "received"})
    assert stored.status == "received" and stored.applied_at is None
    assert stored.detail.startswith("Not applied yet: Stripe could not be reached")
    assert Refund.objects.count() == 0

    # when: Stripe delivers it again, and answers this time
    again = post_event(event)

    # then
    stored.refresh_from_db()
    assert (again.status_code, stored.status) == (200, "applied")
    assert Refund.objects.get().provider_reference == "re_dash"


def test_a_waiting_refund_whose_look_up_fails_waits_for_the_next_run(stripe_gateway, post_event):
    # given: the refund's event came before its payment; Stripe then fails the look-up
    invoice = InvoiceFactory()
    attempt = services.payment_attempt_start(
        invoice=invoice,
        success_url="https://portal.example.gov/return/",
        cancel_url="https://portal.example.gov/cancel/",
    )
    session = stripe_gateway.pay(attempt.provider_reference)
    charge = refunded_in_dashboard(stripe_gateway, attempt, refund_id="re_dash", amount=5000)
    assert post_event(stripe_gateway.event("charge.refunded", charge)).status_code == 200
    stripe_gateway.fail_next("GET", "/v1/refunds", status=503)
    post_event(stripe_gateway.event("checkout.session.completed", session))

    # when / then: still waiting while Stripe fails, applied by the next run
    stored = StripeEvent.objects.get(type="charge.refunded")
    assert stored.status == "waiting" and Refund.objects.count() == 0
    assert services.webhook_events_apply_waiting() == 1
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_refunded_cents) == ("refunded", 5000)
    assert Refund.objects.get().provider_reference == "re_dash"


def test_a_slow_look_up_holds_no_lock_while_stripe_answers(stripe_gateway):
    # given: a dashboard refund; Stripe takes 1.5 s to list the refunds
    invoice = InvoiceFactory()
    payment = paid_at_stripe(stripe_gateway, invoice)
    event = stripe_gateway.event(
        "charge.refunded",
        refunded_in_dashboard(stripe_gateway, payment, refund_id="re_dash", amount=2000),
    )
    stripe_gateway.delay_next("GET", "/v1/refunds", seconds=1.5)

    # when
    thread, outcome = in_thread(lambda: services.webhook_event_receive(payload=event))
    wait_for_request(stripe_gateway, "GET", "/v1/refunds")
    free_during_the_call = rows_lockable_now(invoice.pk, payment.pk)
    thread.join(timeout=20)

    # then
    assert free_during_the_call
    assert outcome["result"].status == "applied"
    assert Refund.objects.get().provider_reference == "re_dash"


# --- The gateway's list of a payment's refunds --------------------------------------------------


def test_stripe_lists_a_payments_refunds_newest_first_skipping_what_it_cannot_read(
    stripe_gateway, clerk
):
    # given: a refund by the portal, one in the dashboard, and one with no amount
    payment = paid_at_stripe(stripe_gateway, InvoiceFactory())
    ours = services.refund_issue(payment=payment, amount_cents=1000, reason="Fee", actor=clerk)
    refunded_in_dashboard(stripe_gateway, payment, refund_id="re_dash", amount=500)
    refunded_in_dashboard(stripe_gateway, payment, refund_id="re_odd", amount=500)
    stripe_gateway.refunds["re_odd"]["amount"] = "500"

    # when
    listed = get_gateway("stripe").refunds_of(payment=payment)

    # then
    assert [(r.provider_reference, r.amount_cents, r.status) for r in listed] == [
        ("re_dash", 500, "succeeded"),
        (ours.provider_reference, 1000, "succeeded"),
    ]
    assert listed[1].metadata["refund_id"] == str(ours.pk)
    assert listed[0].metadata == {}


def test_a_refused_look_up_is_retryable_and_the_local_gateway_keeps_no_list(stripe_gateway):
    # given
    payment = paid_at_stripe(stripe_gateway, InvoiceFactory())
    stripe_gateway.fail_next("GET", "/v1/refunds", status=400, error_type="invalid_request_error")

    # when / then: not known is never "none made"
    with pytest.raises(GatewayError) as refused:
        get_gateway("stripe").refunds_of(payment=payment)
    assert refused.value.retryable
    assert get_gateway("local").refunds_of(payment=payment) is None
