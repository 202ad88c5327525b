"""Staff ask again for a refund that failed (`refund_retry`): exactly its amount, once, under a
key derived from it; a refund given up with no answer is looked up at the gateway first.
The real `stripe` library against the local stub."""

import threading
import uuid

import pytest
from django.db import connection

from payments import services
from payments.exceptions import RefundRefused
from payments.gateways import GatewayError
from payments.models import Refund
from payments.selectors import refunds_refused_unmade
from tests.accounts.factories import StaffFactory
from tests.payments.factories import InvoiceFactory
from tests.payments.test_intents import paid_at_stripe

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = {"status": 400, "error_type": "invalid_request_error", "code": "charge_disputed"}


@pytest.fixture
def cashier():
    return StaffFactory(roles=["cashier"])


def refused_part(stub, *, amount_cents=3000):
    """A policy refund of `amount_cents` whose only part Stripe refused at once."""
    invoice = InvoiceFactory()
    paid_at_stripe(stub, invoice)
    key = uuid.uuid4()
    stub.fail_next("POST", "/v1/refunds", **REFUSED)
    with pytest.raises(GatewayError):
        services.refund_by_policy(
            invoices=[invoice],
            reason="Event cancelled",
            amount_cents=amount_cents,
            idempotency_key=key,
            policy="tests.cancelled",
        )
    return invoice, key, Refund.objects.get(status="failed")


def test_a_refused_refund_asked_again_is_made_once_under_a_key_derived_from_it(
    stripe_gateway, cashier
):
    # given
    invoice, _key, refused = refused_part(stripe_gateway)
    assert refunds_refused_unmade(invoice_ids=[invoice.pk]) == [refused]

    # when
    outcome = services.refund_retry(refund_id=refused.pk, actor=cashier)

    # then: a new refund of the same amount, part of the same request, made at Stripe
    retry = outcome.refund
    assert not outcome.repeated
    assert (retry.status, retry.amount_cents, retry.retry_of_id) == ("succeeded", 3000, refused.pk)
    assert (retry.request_id, retry.policy, retry.issued_by) == (
        refused.request_id,
        "tests.cancelled",
        cashier,
    )
    assert retry.idempotency_key == services.refund_key("payments.refund_retry", refused.pk)
    last = stripe_gateway.requests_to("POST", "/v1/refunds")[-1]
    assert last.idempotency_key == f"refund-{retry.idempotency_key}"
    assert [r["amount"] for r in stripe_gateway.refunds.values()] == [3000]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_refunded_cents) == ("partially_refunded", 3000)
    assert refunds_refused_unmade(invoice_ids=[invoice.pk]) == []


def test_asked_again_twice_the_gateway_is_asked_once(stripe_gateway, cashier):
    # given
    invoice, _key, refused = refused_part(stripe_gateway)
    first = services.refund_retry(refund_id=refused.pk, actor=cashier)

    # when: the form is sent again (a double click, a replayed POST)
    again = services.refund_retry(refund_id=refused.pk, actor=cashier)

    # then
    assert again.repeated and again.refund.pk == first.refund.pk
    assert len(stripe_gateway.requests_to("POST", "/v1/refunds")) == 2  # refused, then made
    assert Refund.objects.count() == 2
    invoice.refresh_from_db()
    assert invoice.amount_refunded_cents == 3000


def test_two_asks_at_the_same_instant_make_one_refund(stripe_gateway, cashier):
    # given: Stripe is slow, so the first ask is still waiting when the second comes
    invoice, _key, refused = refused_part(stripe_gateway)
    stripe_gateway.delay_next("POST", "/v1/refunds", seconds=0.5)
    outcomes = []

    def ask():
        try:
            outcomes.append(services.refund_retry(refund_id=refused.pk, actor=cashier))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: one retry, one refund at Stripe
    assert sorted(o.repeated for o in outcomes) == [False, True]
    assert len({o.refund.pk for o in outcomes}) == 1
    assert [r["amount"] for r in stripe_gateway.refunds.values()] == [3000]
    assert Refund.objects.filter(retry_of=refused).count() == 1
    invoice.refresh_from_db()
    assert invoice.amount_refunded_cents == 3000


def test_the_database_refuses_a_second_retry_of_one_refund(stripe_gateway, cashier):
    # given
    from django.db import IntegrityError, transaction

    _invoice, _key, refused = refused_part(stripe_gateway)
    services.refund_retry(refund_id=refused.pk, actor=cashier)

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.create(
            payment=refused.payment, amount_cents=100, reason="again", retry_of=refused
        )


def test_a_retry_refused_again_is_listed_in_its_place_and_asked_again_under_its_own_key(
    stripe_gateway, cashier
):
    # given: Stripe refuses the retry too
    invoice, _key, refused = refused_part(stripe_gateway)
    stripe_gateway.fail_next("POST", "/v1/refunds", **REFUSED)
    with pytest.raises(GatewayError):
        services.refund_retry(refund_id=refused.pk, actor=cashier)
    retry = Refund.objects.get(retry_of=refused)
    assert retry.status == "failed"

    # then: the retry is listed, not the first refusal
    assert refunds_refused_unmade(invoice_ids=[invoice.pk]) == [retry]
    # and the first refusal asked again once more asks nothing
    assert services.refund_retry(refund_id=refused.pk, actor=cashier).repeated

    # when: the retry is asked for again
    third = services.refund_retry(refund_id=retry.pk, actor=cashier).refund

    # then
    assert (third.status, third.retry_of_id) == ("succeeded", retry.pk)
    assert third.idempotency_key == services.refund_key("payments.refund_retry", retry.pk)
    assert [r["amount"] for r in stripe_gateway.refunds.values()] == [3000]
    assert refunds_refused_unmade(invoice_ids=[invoice.pk]) == []


def test_a_refusal_made_up_for_since_is_not_asked_again(stripe_gateway, cashier):
    # given: the request was asked for again with its key, and Stripe made it then
    invoice, key, refused = refused_part(stripe_gateway)
    services.refund_by_policy(
        invoices=[invoice],
        reason="Event cancelled",
        amount_cents=3000,
        idempotency_key=key,
        policy="tests.cancelled",
    )

    # when / then
    with pytest.raises(RefundRefused, match="made up for since"):
        services.refund_retry(refund_id=refused.pk, actor=cashier)
    invoice.refresh_from_db()
    assert invoice.amount_refunded_cents == 3000 and Refund.objects.count() == 2


def test_only_staff_whose_role_refunds_ask_again(stripe_gateway):
    # given
    _invoice, _key, refused = refused_part(stripe_gateway)

    # when / then
    with pytest.raises(RefundRefused, match="role allows it"):
        services.refund_retry(refund_id=refused.pk, actor=StaffFactory(roles=["clerk"]))
    assert Refund.objects.count() == 1


def test_no_such_refund_is_refused(cashier):
    with pytest.raises(RefundRefused, match="no such refund"):
        services.refund_retry(refund_id=2**62, actor=cashier)


def test_a_refund_that_did_not_fail_is_not_asked_again(stripe_gateway, cashier):
    # given
    invoice = InvoiceFactory()
    payment = paid_at_stripe(stripe_gateway, invoice)
    made = services.refund_issue(payment=payment, amount_cents=1000, reason="Fee", actor=cashier)

    # when
    outcome = services.refund_retry(refund_id=made.pk, actor=cashier)

    # then
    assert outcome.repeated and outcome.refund.pk == made.pk
    assert len(stripe_gateway.refunds) == 1 and Refund.objects.count() == 1


def staff_refund_given_up_unanswered(stub, settings, cashier, *, made_at_stripe: bool):
    """A staff refund of $20.00 none of whose calls was answered, given up after the last;
    Stripe made it (its answers came too late) or never did (it answered 500 each time)."""
    from payments.services.intents import MAX_ATTEMPTS
    from payments.tasks import retry_gateway_intents

    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0
    invoice = InvoiceFactory()
    payment = paid_at_stripe(stub, invoice)
    if made_at_stripe:
        settings.PAYMENTS_GATEWAY_TIMEOUT_SECONDS = 0.3
        stub.delay_next("POST", "/v1/refunds", seconds=1.0, times=MAX_ATTEMPTS)
        stub.delay_next("GET", "/v1/refunds", seconds=1.0, times=MAX_ATTEMPTS - 1)
    else:
        stub.fail_next("POST", "/v1/refunds", status=500, times=MAX_ATTEMPTS)
    pending = services.refund_issue(
        payment=payment, amount_cents=2000, reason="Fee reduced", actor=cashier
    )
    assert pending.status == "pending"
    for _ in range(MAX_ATTEMPTS - 1):
        retry_gateway_intents()
    given_up = Refund.objects.get()
    assert (given_up.status, given_up.provider_status) == ("failed", "unknown")
    return invoice, given_up


def test_a_staff_refund_given_up_that_stripe_made_is_looked_up_and_never_made_twice(
    stripe_gateway, settings, cashier
):
    # given
    import time

    invoice, given_up = staff_refund_given_up_unanswered(
        stripe_gateway, settings, cashier, made_at_stripe=True
    )
    deadline = time.monotonic() + 10
    while not stripe_gateway.refunds:
        assert time.monotonic() < deadline, "Stripe never made the refund"
        time.sleep(0.05)
    assert refunds_refused_unmade(invoice_ids=[invoice.pk]) == [given_up]
    posts = len(stripe_gateway.requests_to("POST", "/v1/refunds"))

    # when
    outcome = services.refund_retry(refund_id=given_up.pk, actor=cashier)

    # then: looked up first, found, recorded on the refund given up; nothing asked to be made
    [made] = stripe_gateway.refunds.values()
    assert (outcome.repeated, outcome.refund.pk, outcome.refund.status) == (
        False,
        given_up.pk,
        "succeeded",
    )
    assert outcome.refund.provider_reference == made["id"]
    assert len(stripe_gateway.requests_to("POST", "/v1/refunds")) == posts
    assert stripe_gateway.requests_to("GET", "/v1/refunds")
    assert Refund.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.amount_refunded_cents == 2000
    assert refunds_refused_unmade(invoice_ids=[invoice.pk]) == []


def test_a_staff_refund_given_up_that_stripe_never_made_is_made_under_its_own_key(
    stripe_gateway, settings, cashier
):
    # given
    _invoice, given_up = staff_refund_given_up_unanswered(
        stripe_gateway, settings, cashier, made_at_stripe=False
    )
    assert not stripe_gateway.refunds
    looked_up = len(stripe_gateway.requests_to("GET", "/v1/refunds"))

    # when
    outcome = services.refund_retry(refund_id=given_up.pk, actor=cashier)

    # then: looked up, not found, then made as itself
    [made] = stripe_gateway.refunds.values()
    assert (outcome.refund.pk, outcome.refund.status, made["amount"]) == (
        given_up.pk,
        "succeeded",
        2000,
    )
    assert len(stripe_gateway.requests_to("GET", "/v1/refunds")) == looked_up + 1
    last = stripe_gateway.requests_to("POST", "/v1/refunds")[-1]
    assert last.idempotency_key == f"refund-{given_up.idempotency_key}"
    assert Refund.objects.count() == 1
    # and asked again once more, nothing more
    assert services.refund_retry(refund_id=given_up.pk, actor=cashier).repeated
    assert len(stripe_gateway.refunds) == 1


def test_a_policy_part_given_up_that_stripe_made_is_looked_up_when_asked_again(
    stripe_gateway, settings, cashier
):
    # given: Stripe made the part, but it was given up with no answer
    from tests.payments.test_refund_keys import given_up_unanswered

    invoice, _key, given_up = given_up_unanswered(stripe_gateway, settings, amount_cents=2000)
    assert refunds_refused_unmade(invoice_ids=[invoice.pk]) == [given_up]
    posts = len(stripe_gateway.requests_to("POST", "/v1/refunds"))

    # when
    outcome = services.refund_retry(refund_id=given_up.pk, actor=cashier)

    # then: the part itself is recorded as made, and nothing more was asked to be made
    [made] = stripe_gateway.refunds.values()
    assert (outcome.refund.pk, outcome.refund.status, outcome.refund.provider_reference) == (
        given_up.pk,
        "succeeded",
        made["id"],
    )
    assert len(stripe_gateway.requests_to("POST", "/v1/refunds")) == posts
    assert Refund.objects.count() == 1
    assert refunds_refused_unmade(invoice_ids=[invoice.pk]) == []


def test_a_look_up_stripe_refuses_leaves_a_refund_given_up_unanswered_unknown_not_refused(
    stripe_gateway, settings, cashier
):
    # given: a staff refund Stripe made, given up with no answer
    import time

    from payments.tasks import retry_gateway_intents

    invoice, given_up = staff_refund_given_up_unanswered(
        stripe_gateway, settings, cashier, made_at_stripe=True
    )
    deadline = time.monotonic() + 10
    while not stripe_gateway.refunds:
        assert time.monotonic() < deadline, "Stripe never made the refund"
        time.sleep(0.05)
    # The last look-up given up is still being answered (a second): let it end, so the
    # refusal below is the next look-up's
    time.sleep(1.2)
    posts = len(stripe_gateway.requests_to("POST", "/v1/refunds"))

    # when: asked again, Stripe refuses the look-up itself (a key that may not read refunds)
    stripe_gateway.fail_next("GET", "/v1/refunds", status=403, error_type="invalid_request_error")
    outcome = services.refund_retry(refund_id=given_up.pk, actor=cashier)

    # then: whether Stripe made it is still unknown: the refund waits for an answer, it is not
    # refused (a refused one is asked for again as a new refund, and would be made twice)
    assert (outcome.repeated, outcome.refund.pk, outcome.refund.status) == (
        False,
        given_up.pk,
        "pending",
    )
    assert services.refund_retry(refund_id=given_up.pk, actor=cashier).repeated
    assert refunds_refused_unmade(invoice_ids=[invoice.pk]) == []

    # and the retry task's look-up finds it made: recorded once, nothing asked to be made
    retry_gateway_intents()
    given_up.refresh_from_db()
    [made] = stripe_gateway.refunds.values()
    assert (given_up.status, given_up.provider_reference) == ("succeeded", made["id"])
    assert len(stripe_gateway.requests_to("POST", "/v1/refunds")) == posts
    assert Refund.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.amount_refunded_cents == 2000
