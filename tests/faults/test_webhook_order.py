"""Stripe's webhook events in every order, duplicated, sent concurrently to the live test
server as real signed payloads (the real `stripe` library against the local stub for the
checkouts): every invoice ends as Stripe left it, whatever the order.

Figures go to tests/faults/results/ (and stdout)."""

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from payments import services
from payments.models import Invoice, Payment, Refund, StripeEvent
from tests.faults.workers import write_results
from tests.payments.factories import InvoiceFactory
from tests.payments.stripe_stub import StripeStub, signature_header

pytestmark = pytest.mark.django_db(transaction=True)

WEBHOOK_SECRET = "whsec_test_faults"
COMPLETED, REFUNDED, EXPIRED = "completed", "refunded", "expired"


@pytest.fixture
def stripe_stub(settings):
    """Stripe as the gateway, its API answered by the local stub; Celery tasks inline."""
    from portal.celery import app as celery_app

    stub = StripeStub().start()
    settings.PAYMENTS_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_faults"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stub.url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.SITE_URL = "https://portal.example.gov"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield stub
    celery_app.conf.task_always_eager = eager
    stub.stop()


def _checkout_with_events(stub: StripeStub, *, refund_cents: int) -> tuple[Payment, dict]:
    """An invoice paid at Stripe and refunded there; return its attempt and the three events
    Stripe would send about it (the expiry one as a stale report of the unpaid session)."""
    invoice = InvoiceFactory()
    payment = services.payment_attempt_start(
        invoice=invoice,
        success_url="https://portal.example.gov/return/",
        cancel_url="https://portal.example.gov/cancel/",
    )
    unpaid = dict(stub.sessions[payment.provider_reference])
    session = stub.pay(payment.provider_reference)
    stub.refunds[f"re_{payment.pk}"] = {
        "id": f"re_{payment.pk}",
        "object": "refund",
        "amount": refund_cents,
        "currency": "usd",
        "payment_intent": session["payment_intent"],
        "status": "succeeded",
    }
    events = {
        COMPLETED: stub.event("checkout.session.completed", session),
        REFUNDED: stub.event("charge.refunded", stub.charge(payment.provider_reference)),
        EXPIRED: stub.event(
            "checkout.session.expired",
            {k: v for k, v in unpaid.items() if not k.startswith("_")} | {"status": "expired"},
        ),
    }
    return payment, events


# Connections the live test server reset before reading them (its listen backlog is 5:
# a burst of three dozen can overflow it). Like Stripe, the sender tries again, counted.
_retries = {"count": 0}
_retries_lock = threading.Lock()


def _post(url: str, event: dict) -> int:
    body = json.dumps(event)
    for attempt in range(5):
        request = urllib.request.Request(  # noqa: S310 (the live test server)
            f"{url}/payments/stripe/webhook/",
            data=body.encode(),
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": signature_header(body, WEBHOOK_SECRET),
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (ConnectionError, urllib.error.URLError):
            if attempt == 4:
                raise
            with _retries_lock:
                _retries["count"] += 1
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _assert_as_stripe_left_it(payment: Payment, *, refund_cents: int, label: str) -> None:
    payment.refresh_from_db()
    invoice = Invoice.objects.get(pk=payment.invoice_id)
    expected_status = "refunded" if refund_cents == invoice.total_cents else "partially_refunded"
    assert (payment.status, invoice.status) == ("succeeded", expected_status), label
    assert (invoice.amount_paid_cents, invoice.amount_refunded_cents) == (
        invoice.total_cents,
        refund_cents,
    ), label
    assert list(Refund.objects.filter(payment=payment).values_list("amount_cents", flat=True)) == [
        refund_cents
    ], label


def test_every_order_of_payment_refund_and_expiry_with_duplicates_sent_at_once(
    stripe_stub, live_server
):
    # given: one checkout per order of the three events, half refunded in full, half in part
    orders = list(itertools.permutations([COMPLETED, REFUNDED, EXPIRED]))
    cases = []
    for number, order in enumerate(orders):
        refund_cents = 5000 if number % 2 == 0 else 1500
        payment, events = _checkout_with_events(stripe_stub, refund_cents=refund_cents)
        cases.append((order, refund_cents, payment, events))
    # and checkouts whose payment and refund (each delivered twice) all arrive at one instant
    racing = [_checkout_with_events(stripe_stub, refund_cents=5000) for _ in range(6)]
    statuses: list[int] = []
    lock = threading.Lock()

    def deliver_in_order(case) -> None:
        order, _, _, events = case
        for kind in order:
            # Each event twice at the same moment: a redelivery racing the first delivery.
            with ThreadPoolExecutor(max_workers=2) as pair:
                codes = list(
                    pair.map(lambda event: _post(live_server.url, event), [events[kind]] * 2)
                )
            with lock:
                statuses.extend(codes)

    racing_posts = [
        events[kind] for _, events in racing for kind in (COMPLETED, REFUNDED) for _ in range(2)
    ]
    barrier = threading.Barrier(len(racing_posts))

    def deliver_at_once(event) -> None:
        barrier.wait(timeout=30)
        code = _post(live_server.url, event)
        with lock:
            statuses.append(code)

    # when: all of it concurrently
    _retries["count"] = 0
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(cases) + len(racing_posts)) as pool:
        futures = [pool.submit(deliver_in_order, case) for case in cases]
        futures += [pool.submit(deliver_at_once, event) for event in racing_posts]
        for future in futures:
            future.result(timeout=120)
    seconds = time.monotonic() - started

    # then: every delivery acknowledged, every invoice as Stripe left it, each event once
    assert statuses == [200] * (len(orders) * 3 * 2 + len(racing_posts))
    for order, refund_cents, payment, _ in cases:
        _assert_as_stripe_left_it(payment, refund_cents=refund_cents, label=" → ".join(order))
    for payment, _ in racing:
        _assert_as_stripe_left_it(payment, refund_cents=5000, label="payment and refund at once")
    assert StripeEvent.objects.count() == len(orders) * 3 + len(racing) * 2
    assert not StripeEvent.objects.exclude(status="applied").exists()

    write_results(
        "webhook_order",
        [
            "Stripe webhook events in every order, each delivered twice at once, concurrently",
            f"orders of completed / refunded / expired: {len(orders)}",
            f"checkouts whose payment and refund arrived at one instant: {len(racing)}",
            f"deliveries: {len(statuses)}, all answered 200",
            f"connections the test server reset before reading, sent again: {_retries['count']}",
            f"events stored: {StripeEvent.objects.count()}, all applied once",
            f"refunds recorded: {Refund.objects.count()} (one per checkout)",
            f"seconds: {seconds:.1f}",
        ],
    )
