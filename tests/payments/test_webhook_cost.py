"""The Stripe webhook's cost per event, in queries (the benchmark's figures in events per
second depend on the machine; these do not), and what a failure half way keeps."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payments import services
from payments.models import Invoice, Payment, Receipt, StripeEvent
from payments.signals import invoice_status_changed
from tests.payments.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

SUCCESS = "https://portal.example.gov/payments/invoices/X/return/"
CANCEL = "https://portal.example.gov/payments/invoices/X/?cancelled=1"

# A new completed checkout: the event's read, its INSERT, a savepoint, the invoice's and the
# attempt's locks, their two UPDATEs, the receipt's number and row, its messages (one
# statement), the event's outcome, the savepoint's release; plus the test's own savepoint
# pair around the transaction (BEGIN and COMMIT in production).
NEW_EVENT_QUERIES = 14


def _completed_event(stub) -> dict:
    payment = services.payment_attempt_start(
        invoice=InvoiceFactory(), success_url=SUCCESS, cancel_url=CANCEL
    )
    return stub.event("checkout.session.completed", stub.pay(payment.provider_reference))


@pytest.mark.parametrize("paid_before", [0, 5])
def test_a_new_event_costs_the_same_queries_however_many_came_before(
    stripe_gateway, post_event, django_assert_max_num_queries, paid_before
):
    # given
    for _ in range(paid_before):
        post_event(_completed_event(stripe_gateway))
    event = _completed_event(stripe_gateway)

    # when
    with django_assert_max_num_queries(NEW_EVENT_QUERIES):
        response = post_event(event)

    # then
    assert (response.status_code, response.json()) == (200, {"status": "applied"})
    assert Invoice.objects.filter(status="paid").count() == paid_before + 1


def test_a_repeated_event_is_answered_with_one_query(
    stripe_gateway, post_event, django_assert_num_queries
):
    # given
    event = _completed_event(stripe_gateway)
    post_event(event)

    # when
    with django_assert_num_queries(1):
        response = post_event(event)

    # then
    assert (response.status_code, response.json()) == (200, {"status": "applied"})
    assert Receipt.objects.count() == 1


def test_the_receipts_messages_are_queued_with_one_statement(stripe_gateway, post_event):
    # given
    event = _completed_event(stripe_gateway)

    # when
    with CaptureQueriesContext(connection) as queries:
        post_event(event)

    # then
    writes = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(writes) == 1
    assert writes[0].lstrip().startswith("WITH recipient AS")


def test_a_failure_while_applying_keeps_the_event_and_the_next_delivery_applies_it(
    stripe_gateway, post_event, client
):
    # given: a receiver of the paid invoice that fails once (a database hiccup, a bug)
    event = _completed_event(stripe_gateway)
    failures = []

    def failing_once(**kwargs):
        if not failures:
            failures.append(kwargs["invoice_id"])
            raise RuntimeError("receiver failed")

    invoice_status_changed.connect(failing_once, dispatch_uid="test-failing-once")
    client.raise_request_exception = False
    try:
        # when
        first = post_event(event)
        kept = StripeEvent.objects.get()
        unpaid = (Invoice.objects.get().status, Payment.objects.get().status)
        second = post_event(event)
    finally:
        invoice_status_changed.disconnect(dispatch_uid="test-failing-once")

    # then: nothing of the first attempt stayed but the event; the second applied it once
    assert first.status_code == 500
    assert (kept.status, kept.applied_at) == ("received", None)
    assert unpaid == ("open", "pending")
    assert second.status_code == 200
    assert (StripeEvent.objects.get().status, Invoice.objects.get().status) == ("applied", "paid")
    assert Receipt.objects.count() == 1
