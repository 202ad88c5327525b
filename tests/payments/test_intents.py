"""Gateway calls outside locks and transactions: recorded first, called after commit, answered
once, retried with the same idempotency key; refunds a service starts under its policy."""

import threading
import time
import uuid

import pytest
from django.db import connections, transaction

from payments import services
from payments.exceptions import RefundRefused
from payments.gateways import GatewayError
from payments.models import GatewayIntent, Invoice, Payment, Refund
from payments.services import LineItem
from payments.signals import invoice_status_changed
from payments.tasks import retry_gateway_intents
from tests.payments.factories import InvoiceFactory

pytestmark = pytest.mark.django_db(transaction=True)

SUCCESS = "https://portal.example.gov/return/"
CANCEL = "https://portal.example.gov/cancel/"


def paid_at_stripe(stub, invoice: Invoice, amount_cents: int | None = None) -> Payment:
    """A Stripe payment of `invoice`, settled by its webhook's service."""
    attempt = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL, amount_cents=amount_cents
    )
    session = stub.pay(attempt.provider_reference)
    services.payment_settle(
        payment=attempt,
        amount_cents=session["amount_total"],
        currency=session["currency"],
        source="webhook",
        provider_payment_id=session["payment_intent"],
    )
    attempt.refresh_from_db()
    return attempt


def wait_for_request(stub, method: str, path: str, count: int = 1) -> None:
    deadline = time.monotonic() + 10
    while len(stub.requests_to(method, path)) < count:
        assert time.monotonic() < deadline, f"no {method} {path} reached the stub"
        time.sleep(0.02)


def rows_lockable_now(invoice_id: int, payment_id: int) -> bool:
    """From another connection: can the invoice and payment rows be locked at once, and is no
    transaction of the portal left open?"""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                "SELECT id FROM payments_invoice WHERE id = %s FOR UPDATE NOWAIT", [invoice_id]
            )
            cursor.execute(
                "SELECT id FROM payments_payment WHERE id = %s FOR UPDATE NOWAIT", [payment_id]
            )
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%%' AND pid <> pg_backend_pid()"
            )
            (open_transactions,) = cursor.fetchone()
            cursor.execute("ROLLBACK")
        return open_transactions == 0
    finally:
        other.close()


def in_thread(work):
    """Run `work()` in a thread with its own connection; return (thread, outcome dict)."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except Exception as error:  # handed to the test
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


# --- No lock while the gateway answers -------------------------------------------------------


def test_a_slow_refund_holds_no_lock_and_no_transaction_while_stripe_answers(stripe_gateway, clerk):
    # given: Stripe takes 1.5 s to answer a refund
    invoice = InvoiceFactory()
    payment = paid_at_stripe(stripe_gateway, invoice)
    stripe_gateway.delay_next("POST", "/v1/refunds", seconds=1.5)

    # when: the refund is under way
    thread, outcome = in_thread(
        lambda: services.refund_issue(
            payment=payment, amount_cents=2000, reason="Overcharged", actor=clerk
        )
    )
    wait_for_request(stripe_gateway, "POST", "/v1/refunds")
    free_during_the_call = rows_lockable_now(invoice.pk, payment.pk)
    thread.join(timeout=20)

    # then
    assert free_during_the_call
    assert "error" not in outcome
    refund = outcome["result"]
    payment.refresh_from_db()
    assert (refund.status, refund.provider_status) == ("succeeded", "succeeded")
    assert (payment.amount_refunded_cents, payment.refund_pending_cents) == (2000, 0)
    assert refund.intent.status == "succeeded"


def test_a_slow_checkout_creation_holds_no_lock_while_stripe_answers(stripe_gateway):
    # given
    invoice = InvoiceFactory()
    stripe_gateway.delay_next("POST", "/v1/checkout/sessions", seconds=1.5)

    # when
    thread, outcome = in_thread(
        lambda: services.payment_attempt_start(
            invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
        )
    )
    wait_for_request(stripe_gateway, "POST", "/v1/checkout/sessions")
    payment = Payment.objects.get(invoice=invoice)
    recorded_before_the_call = (payment.status, payment.checkout_url, payment.intents.count())
    free_during_the_call = rows_lockable_now(invoice.pk, payment.pk)
    thread.join(timeout=20)

    # then
    assert recorded_before_the_call == ("pending", "", 1)
    assert free_during_the_call
    assert outcome["result"].checkout_url.startswith("https://checkout.stripe.com/")


def test_gateway_calls_refuse_to_run_inside_a_transaction(stripe_gateway, clerk):
    # given
    invoice = InvoiceFactory()

    # when / then
    with pytest.raises(RuntimeError), transaction.atomic():
        services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)
    assert Payment.objects.count() == 0


# --- Timeouts, retries, refusals -------------------------------------------------------------


def test_a_refund_stripe_did_not_answer_in_time_stays_reserved_and_the_task_finishes_it(
    stripe_gateway, clerk, settings
):
    # given: Stripe answers after the portal has given up
    settings.PAYMENTS_GATEWAY_TIMEOUT_SECONDS = 0.3
    invoice = InvoiceFactory()
    payment = paid_at_stripe(stripe_gateway, invoice)
    stripe_gateway.delay_next("POST", "/v1/refunds", seconds=1.0)

    # when
    refund = services.refund_issue(
        payment=payment, amount_cents=5000, reason="Cancelled", actor=clerk
    )
    payment.refresh_from_db()
    reserved = (refund.status, payment.refund_pending_cents, payment.refundable_cents)
    with pytest.raises(RefundRefused):
        services.refund_issue(payment=payment, amount_cents=100, reason="Again", actor=clerk)
    time.sleep(1.0)  # Stripe has carried the first request out by now
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0
    answered = retry_gateway_intents()

    # then
    refund.refresh_from_db()
    payment.refresh_from_db()
    invoice.refresh_from_db()
    keys = {r.idempotency_key for r in stripe_gateway.requests_to("POST", "/v1/refunds")}
    assert reserved == ("pending", 5000, 0)
    assert answered == 1
    assert (refund.status, refund.intent.status, refund.intent.attempts) == (
        "succeeded",
        "succeeded",
        2,
    )
    assert keys == {f"refund-{refund.idempotency_key}"}
    assert len(stripe_gateway.refunds) == 1
    assert (payment.amount_refunded_cents, payment.refund_pending_cents) == (5000, 0)
    assert invoice.status == "refunded"


def test_a_refund_stripe_refuses_is_recorded_failed_and_releases_the_amount(stripe_gateway, clerk):
    # given
    invoice = InvoiceFactory()
    payment = paid_at_stripe(stripe_gateway, invoice)
    stripe_gateway.fail_next(
        "POST",
        "/v1/refunds",
        status=400,
        error_type="invalid_request_error",
        code="charge_disputed",
    )

    # when
    with pytest.raises(GatewayError):
        services.refund_issue(payment=payment, amount_cents=5000, reason="Dispute", actor=clerk)

    # then
    payment.refresh_from_db()
    refund = Refund.objects.get()
    assert (refund.status, refund.intent.status) == ("failed", "failed")
    assert (payment.refund_pending_cents, payment.refundable_cents) == (0, 5000)


def test_a_checkout_stripe_could_not_create_is_made_again_with_the_same_key(stripe_gateway):
    # given: Stripe errs on the first attempt to create the session
    invoice = InvoiceFactory()
    stripe_gateway.fail_next("POST", "/v1/checkout/sessions", status=500)
    with pytest.raises(GatewayError):
        services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)

    # when: the payer clicks again
    payment = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )

    # then
    keys = {r.idempotency_key for r in stripe_gateway.requests_to("POST", "/v1/checkout/")}
    assert Payment.objects.count() == 1
    assert payment.checkout_url and payment.intents.get().status == "succeeded"
    assert keys == {f"checkout-{payment.idempotency_key}"}


def test_the_retry_task_records_a_checkout_whose_worker_died(stripe_gateway, settings):
    # given: the attempt and its intent were recorded, the process died before calling Stripe
    invoice = InvoiceFactory()
    stripe_gateway.fail_next("POST", "/v1/checkout/sessions", status=503)
    with pytest.raises(GatewayError):
        services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0

    # when
    answered = retry_gateway_intents()
    again = retry_gateway_intents()

    # then
    payment = Payment.objects.get()
    assert (answered, again) == (1, 0)
    assert payment.provider_reference in stripe_gateway.sessions
    assert GatewayIntent.objects.get().status == "succeeded"


def test_a_charge_refunded_webhook_during_a_refund_in_progress_does_not_count_it_twice(
    stripe_gateway, clerk, settings, post_event
):
    # given: the portal's refund reached Stripe but its answer was lost
    settings.PAYMENTS_GATEWAY_TIMEOUT_SECONDS = 0.3
    invoice = InvoiceFactory()
    payment = paid_at_stripe(stripe_gateway, invoice)
    stripe_gateway.delay_next("POST", "/v1/refunds", seconds=0.8)
    refund = services.refund_issue(
        payment=payment, amount_cents=2000, reason="Partial", actor=clerk
    )
    time.sleep(1.0)
    session = stripe_gateway.sessions[payment.provider_reference]

    # when: Stripe's charge.refunded arrives, then the retry task runs
    response = post_event(
        stripe_gateway.event("charge.refunded", stripe_gateway.charge(session["id"]))
    )
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0
    retry_gateway_intents()

    # then
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert response.status_code == 200
    assert Refund.objects.count() == 1
    assert (refund.status, refund.intent.status) == ("succeeded", "succeeded")
    assert (payment.amount_refunded_cents, payment.refund_pending_cents) == (2000, 0)


# --- Refunds under a service's policy -----------------------------------------------------------


@pytest.fixture
def announcements():
    heard = []

    def receiver(sender, **kwargs):
        heard.append((kwargs["old_status"], kwargs["new_status"], kwargs["amount_refunded_cents"]))

    invoice_status_changed.connect(receiver, dispatch_uid="tests.payments.intents")
    yield heard
    invoice_status_changed.disconnect(dispatch_uid="tests.payments.intents")


def test_a_policy_refund_spreads_over_the_payments_newest_first(clerk, announcements):
    # given: $100 paid in two parts at the counter
    invoice = InvoiceFactory(lines=[LineItem("Hall booking", 10000)], minimum_payment_cents=2000)
    first = services.payment_record_counter(
        invoice=invoice, method="cash", amount_cents=3000, actor=clerk
    )
    second = services.payment_record_counter(
        invoice=invoice, method="cash", amount_cents=7000, actor=clerk
    )

    # when: the booking was cancelled in time; the policy gives back $80
    refunds = services.refund_by_policy(
        invoices=[invoice],
        idempotency_key=uuid.uuid4(),
        reason="Booking cancelled 10 days ahead",
        amount_cents=8000,
        policy="bookings.cancelled_in_time",
    )

    # then
    invoice.refresh_from_db()
    assert [(r.payment_id, r.amount_cents, r.status, r.origin) for r in refunds] == [
        (second.pk, 7000, "succeeded", "policy"),
        (first.pk, 1000, "succeeded", "policy"),
    ]
    assert {r.policy for r in refunds} == {"bookings.cancelled_in_time"}
    assert all(r.issued_by is None for r in refunds)
    assert (invoice.status, invoice.amount_refunded_cents) == ("partially_refunded", 8000)
    assert announcements[-2:] == [
        ("paid", "partially_refunded", 7000),
        ("partially_refunded", "partially_refunded", 8000),
    ]


def test_a_policy_refund_of_everything_through_stripe(stripe_gateway):
    # given
    invoice = InvoiceFactory()
    paid_at_stripe(stripe_gateway, invoice)

    # when
    [refund] = services.refund_by_policy(
        invoices=[invoice], reason="Event cancelled", idempotency_key=uuid.uuid4()
    )

    # then
    invoice.refresh_from_db()
    assert (refund.amount_cents, refund.provider_reference.startswith("re_")) == (5000, True)
    assert invoice.status == "refunded"


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        (5001, "Too much", "more than what is left"),
        (0, "Nothing", "positive amount"),
        (100, " ", "Give a reason"),
    ],
)
def test_a_policy_refund_that_cannot_stand_is_refused(clerk, amount, reason, message):
    # given
    invoice = InvoiceFactory()
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=5000, actor=clerk)

    # when / then
    with pytest.raises(RefundRefused, match=message):
        services.refund_by_policy(
            invoices=[invoice], reason=reason, amount_cents=amount, idempotency_key=uuid.uuid4()
        )
    assert Refund.objects.count() == 0


def test_a_policy_refund_must_be_called_after_commit(clerk):
    # given
    invoice = InvoiceFactory()
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=5000, actor=clerk)

    # when / then
    with pytest.raises(RuntimeError), transaction.atomic():
        services.refund_by_policy(
            invoices=[invoice], reason="Cancelled", idempotency_key=uuid.uuid4()
        )


def test_a_refund_that_fails_later_is_announced_with_the_invoice_as_it_stands(
    stripe_gateway, clerk, settings
):
    # given: Stripe does not answer the refund in time, then refuses it when asked again
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    invoice = InvoiceFactory()
    payment = paid_at_stripe(stripe_gateway, invoice)
    stripe_gateway.fail_next("POST", "/v1/refunds", status=500)
    refund = services.refund_issue(
        payment=payment, amount_cents=5000, reason="Cancelled", actor=clerk
    )
    assert refund.status == "pending"
    stripe_gateway.fail_next(
        "POST",
        "/v1/refunds",
        status=400,
        error_type="invalid_request_error",
        code="charge_disputed",
    )
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0
    invoice_status_changed.connect(receiver, dispatch_uid="tests.payments.refund_failed")

    # when: the retry task makes the call again
    try:
        retry_gateway_intents()
    finally:
        invoice_status_changed.disconnect(dispatch_uid="tests.payments.refund_failed")

    # then: the owning app hears of it once, the invoice's status unchanged, with the refund
    refund.refresh_from_db()
    assert refund.status == "failed"
    [said] = heard
    assert (said["invoice_id"], said["old_status"], said["new_status"]) == (
        invoice.pk,
        "paid",
        "paid",
    )
    assert said["failed_refund_id"] == refund.pk
    assert "InvalidRequestError" in said["refund_failure"]


def test_a_status_change_says_no_refund_failed(clerk):
    # given
    heard = []

    def receiver(sender, **kwargs):
        heard.append((kwargs["failed_refund_id"], kwargs["refund_failure"]))

    invoice_status_changed.connect(receiver, dispatch_uid="tests.payments.no_refund_failed")
    try:
        # when
        services.payment_record_counter(
            invoice=InvoiceFactory(lines=[LineItem("Hall booking", 10000)]),
            method="cash",
            amount_cents=10000,
            actor=clerk,
        )
    finally:
        invoice_status_changed.disconnect(dispatch_uid="tests.payments.no_refund_failed")

    # then
    assert heard == [(None, "")]
