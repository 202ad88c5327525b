"""The Stripe gateway: the real `stripe` library against the local stub, and real signed
webhook payloads posted to the portal's endpoint."""

import datetime

import pytest
from django.utils import timezone

from payments import services
from payments.exceptions import RefundRefused
from payments.gateways import GatewayError
from payments.models import Invoice, Payment, Receipt, Refund, StripeEvent
from payments.selectors import stripe_events_needing_attention, stripe_payments_without_webhook
from payments.services import LineItem
from tests.payments.factories import GuestInvoiceFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

SUCCESS = "https://portal.example.gov/payments/invoices/X/return/"
CANCEL = "https://portal.example.gov/payments/invoices/X/?cancelled=1"


def start(invoice: Invoice) -> Payment:
    return services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)


def test_attempt_creates_one_checkout_session_with_the_invoice_in_it(stripe_gateway):
    # given
    invoice = GuestInvoiceFactory(
        guest_email="pat@example.net",
        lines=[LineItem("Pavilion, 4 hours", 2500, quantity=4), LineItem("Deposit", 5000)],
    )

    # when
    payment = start(invoice)

    # then
    [request] = stripe_gateway.requests_to("POST", "/v1/checkout/sessions")
    session = stripe_gateway.sessions[payment.provider_reference]
    assert request.idempotency_key == f"checkout-{payment.idempotency_key}"
    assert request.authorization == "Bearer sk_test_portal"
    assert request.params["mode"] == "payment"
    assert request.params["client_reference_id"] == invoice.reference
    assert request.params["customer_email"] == "pat@example.net"
    assert request.params["metadata"] == {
        "invoice_id": str(invoice.pk),
        "invoice_reference": invoice.reference,
        "payment_id": str(payment.pk),
    }
    assert request.params["payment_intent_data"]["metadata"]["invoice_id"] == str(invoice.pk)
    assert request.params["success_url"] == SUCCESS + "?session_id={CHECKOUT_SESSION_ID}"
    assert request.params["cancel_url"] == CANCEL
    assert [
        (i["price_data"]["unit_amount"], i["quantity"]) for i in request.params["line_items"]
    ] == [("2500", "4"), ("5000", "1")]
    assert (session["amount_total"], session["currency"]) == (15000, "usd")
    expires_in = int(request.params["expires_at"]) - timezone.now().timestamp()
    assert 59 * 60 < expires_in <= 60 * 60
    assert payment.checkout_url == session["url"]
    assert (payment.gateway, payment.status, payment.method) == ("stripe", "pending", "card")


def test_double_click_on_pay_creates_one_session(stripe_gateway):
    # given
    invoice = InvoiceFactory()

    # when
    first, second = start(invoice), start(invoice)

    # then
    assert first.pk == second.pk
    assert len(stripe_gateway.requests_to("POST", "/v1/checkout/sessions")) == 1


def test_stripe_refusing_the_session_records_the_attempt_as_failed(stripe_gateway):
    # given
    invoice = InvoiceFactory()
    stripe_gateway.fail_next(
        "POST", "/v1/checkout/sessions", status=400, error_type="invalid_request_error"
    )

    # when
    with pytest.raises(GatewayError):
        start(invoice)

    # then: the attempt was recorded before the call, and ended when Stripe refused
    invoice.refresh_from_db()
    payment = invoice.payments.get()
    assert (payment.status, payment.checkout_url, invoice.status) == ("failed", "", "open")
    assert payment.intents.get().status == "failed"


def test_a_retried_session_request_reuses_its_idempotency_key(stripe_gateway, settings):
    # given: the first try fails with a server error, the library retries once
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    stripe_gateway.fail_next("POST", "/v1/checkout/sessions", status=500)
    invoice = InvoiceFactory()

    # when
    payment = start(invoice)

    # then
    tries = stripe_gateway.requests_to("POST", "/v1/checkout/sessions")
    assert [t.idempotency_key for t in tries] == [f"checkout-{payment.idempotency_key}"] * 2
    assert list(stripe_gateway.sessions) == [payment.provider_reference]


# --- Webhooks ------------------------------------------------------------------------------


def test_completed_checkout_webhook_pays_the_invoice(stripe_gateway, post_event):
    # given
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = stripe_gateway.pay(payment.provider_reference)
    event = stripe_gateway.event("checkout.session.completed", session)

    # when
    response = post_event(event)

    # then
    invoice.refresh_from_db()
    payment.refresh_from_db()
    stored = StripeEvent.objects.get()
    assert (response.status_code, response.json()) == (200, {"status": "applied"})
    assert (invoice.status, invoice.amount_paid_cents) == ("paid", 5000)
    assert (payment.status, payment.settled_via, payment.provider_payment_id) == (
        "succeeded",
        "webhook",
        session["payment_intent"],
    )
    assert (stored.event_id, stored.status, stored.invoice, stored.payment) == (
        event["id"],
        "applied",
        invoice,
        payment,
    )


def test_a_replayed_event_answers_200_and_changes_nothing(stripe_gateway, post_event):
    # given
    invoice = InvoiceFactory()
    payment = start(invoice)
    event = stripe_gateway.event(
        "checkout.session.completed", stripe_gateway.pay(payment.provider_reference)
    )
    post_event(event)

    # when
    responses = [post_event(event) for _ in range(3)]

    # then
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert (StripeEvent.objects.count(), Receipt.objects.count()) == (1, 1)
    assert invoice.payments.get().status == "succeeded"


def test_a_second_event_for_the_same_payment_does_not_pay_twice(stripe_gateway, post_event):
    # given: Stripe sends completed, then (a new event id) async_payment_succeeded
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = stripe_gateway.pay(payment.provider_reference)
    post_event(stripe_gateway.event("checkout.session.completed", session))

    # when
    response = post_event(stripe_gateway.event("checkout.session.async_payment_succeeded", session))

    # then
    assert response.status_code == 200
    assert StripeEvent.objects.order_by("received_at").last().detail == "Already applied."
    assert Receipt.objects.count() == 1


def test_expired_after_completed_changes_nothing(stripe_gateway, post_event):
    # given
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = stripe_gateway.pay(payment.provider_reference)
    post_event(stripe_gateway.event("checkout.session.completed", session))

    # when: an out-of-order expiry
    response = post_event(
        stripe_gateway.event("checkout.session.expired", {**session, "status": "expired"})
    )

    # then
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert response.status_code == 200
    assert (invoice.status, payment.status) == ("paid", "succeeded")


def test_completed_after_expired_still_pays_the_money_that_arrived(stripe_gateway, post_event):
    # given: Stripe's expiry reached the portal first, yet the payer had paid in time
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = stripe_gateway.pay(payment.provider_reference)
    post_event(stripe_gateway.event("checkout.session.expired", {**session, "status": "expired"}))
    payment.refresh_from_db()
    status_after_expiry = payment.status

    # when
    post_event(stripe_gateway.event("checkout.session.completed", session))

    # then
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert (status_after_expiry, payment.status, invoice.status) == ("expired", "succeeded", "paid")


def test_expired_session_then_a_new_attempt_gets_a_new_session(stripe_gateway, post_event):
    # given
    invoice = InvoiceFactory()
    first = start(invoice)
    post_event(
        stripe_gateway.event(
            "checkout.session.expired", stripe_gateway.expire(first.provider_reference)
        )
    )

    # when
    second = start(invoice)

    # then
    first.refresh_from_db()
    assert first.status == "expired"
    assert second.pk != first.pk and second.provider_reference != first.provider_reference
    assert len(stripe_gateway.sessions) == 2

    # and paying the new session pays the invoice
    post_event(
        stripe_gateway.event(
            "checkout.session.completed", stripe_gateway.pay(second.provider_reference)
        )
    )
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_an_amount_that_does_not_match_is_flagged_for_staff(stripe_gateway, post_event):
    # given
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = {**stripe_gateway.pay(payment.provider_reference), "amount_total": 500}

    # when
    response = post_event(stripe_gateway.event("checkout.session.completed", session))

    # then
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert (response.status_code, response.json()) == (200, {"status": "flagged"})
    assert invoice.status == "open"
    assert (payment.status, payment.review_reason, payment.amount_cents) == (
        "needs_review",
        "amount_mismatch",
        500,
    )


def test_asynchronous_payment_waits_for_confirmation(stripe_gateway, post_event):
    # given: a bank debit: the checkout completes before the money is confirmed
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = stripe_gateway.pay(payment.provider_reference, payment_status="unpaid")

    # when
    post_event(stripe_gateway.event("checkout.session.completed", session))
    invoice.refresh_from_db()
    before = invoice.status
    post_event(
        stripe_gateway.event(
            "checkout.session.async_payment_succeeded", {**session, "payment_status": "paid"}
        )
    )

    # then
    invoice.refresh_from_db()
    assert (before, invoice.status) == ("open", "paid")


def test_asynchronous_payment_failure_ends_the_attempt(stripe_gateway, post_event):
    # given
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = stripe_gateway.pay(payment.provider_reference, payment_status="unpaid")
    post_event(stripe_gateway.event("checkout.session.completed", session))

    # when
    post_event(stripe_gateway.event("checkout.session.async_payment_failed", session))

    # then
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (payment.status, invoice.status) == ("failed", "open")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"secret": "whsec_someone_else"}, "invalid signature"),
        ({"timestamp": int(timezone.now().timestamp()) - 600}, "invalid signature"),
        ({"header": "t=123,v1=deadbeef"}, "invalid signature"),
        ({"header": ""}, "missing signature"),
    ],
)
def test_a_bad_stale_or_missing_signature_gives_400_and_stores_nothing(
    stripe_gateway, post_event, kwargs, error
):
    # given
    invoice = InvoiceFactory()
    payment = start(invoice)
    event = stripe_gateway.event(
        "checkout.session.completed", stripe_gateway.pay(payment.provider_reference)
    )

    # when
    response = post_event(event, **kwargs)

    # then
    invoice.refresh_from_db()
    assert (response.status_code, response.json()) == (400, {"error": error})
    assert (StripeEvent.objects.count(), invoice.status) == (0, "open")


@pytest.mark.parametrize(
    "body",
    [
        '{"id": "evt_1", "type": ',
        "[1, 2]",
        '{"type": "x"}',
        '{"id": "evt_2", "type": "x"}',
        # What PostgreSQL cannot keep in a JSON column, and nesting deeper than Python parses.
        '{"id": "evt_3", "type": "x", "data": {"object": {"name": "a\\u0000b"}}}',
        '{"id": "evt_4", "type": "x", "data": {"object": {"amount_total": NaN}}}',
        '{"id": "evt_5", "type": "x", "data": {"object": {}}, "x": -Infinity}',
        "[" * 5000 + "]" * 5000,
    ],
)
def test_malformed_payloads_give_400_and_store_nothing(stripe_gateway, post_event, body):
    # when: correctly signed, but not a Stripe event
    response = post_event(body)

    # then
    assert (response.status_code, response.json()) == (400, {"error": "malformed payload"})
    assert StripeEvent.objects.count() == 0


def test_an_event_about_an_unknown_invoice_gives_422_and_is_kept_for_staff(
    stripe_gateway, post_event, caplog
):
    # given: a session no invoice of the portal started
    session = {
        "id": "cs_test_unknown",
        "object": "checkout.session",
        "amount_total": 5000,
        "currency": "usd",
        "payment_status": "paid",
        "status": "complete",
        "customer_details": {"email": "someone@example.org", "name": "Some One"},
        "metadata": {"invoice_id": "999999"},
    }

    # when
    response = post_event(stripe_gateway.event("checkout.session.completed", session))

    # then
    stored = StripeEvent.objects.get()
    assert (response.status_code, stored.status, stored.invoice) == (422, "unmatched", None)
    assert "someone@example.org" not in caplog.text
    assert "Some One" not in caplog.text


def test_metadata_naming_another_invoice_is_not_applied(stripe_gateway, post_event):
    # given
    invoice, other = InvoiceFactory(), InvoiceFactory()
    payment = start(invoice)
    session = stripe_gateway.pay(payment.provider_reference)
    session["metadata"] = {**session["metadata"], "invoice_id": str(other.pk)}

    # when
    response = post_event(stripe_gateway.event("checkout.session.completed", session))

    # then
    invoice.refresh_from_db()
    assert (response.status_code, invoice.status) == (422, "open")


def test_events_the_portal_does_not_act_on_are_acknowledged(stripe_gateway, post_event):
    # when
    response = post_event(
        stripe_gateway.event("customer.created", {"id": "cus_1", "object": "customer"})
    )

    # then
    assert (response.status_code, response.json()) == (200, {"status": "ignored"})


def test_webhook_is_off_without_a_signing_secret(post_event):
    # when: the local gateway, no STRIPE_WEBHOOK_SECRET
    response = post_event({"id": "evt_1"}, header="t=1,v1=x")

    # then
    assert response.status_code == 404


# --- Return page check, stale attempts ---------------------------------------------------------


def test_refresh_asks_stripe_when_the_webhook_is_late(stripe_gateway):
    # given: paid at Stripe, no webhook yet
    invoice = InvoiceFactory()
    payment = start(invoice)
    stripe_gateway.pay(payment.provider_reference)

    # when
    payment = services.payment_refresh(payment=payment)

    # then
    invoice.refresh_from_db()
    assert (payment.status, payment.settled_via, invoice.status) == (
        "succeeded",
        "session_check",
        "paid",
    )
    assert len(stripe_gateway.requests_to("GET", "/v1/checkout/sessions/")) == 1


def test_refresh_of_an_unpaid_session_changes_nothing(stripe_gateway):
    # given: the payer came back without paying (the redirect alone proves nothing)
    invoice = InvoiceFactory()
    payment = start(invoice)

    # when
    payment = services.payment_refresh(payment=payment)

    # then
    invoice.refresh_from_db()
    assert (payment.status, invoice.status) == ("pending", "open")


def test_stale_attempts_are_checked_with_stripe_and_listed_until_the_webhook_comes(
    stripe_gateway, post_event
):
    # given: an attempt paid at Stripe whose webhook never arrived, long expired
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = stripe_gateway.pay(payment.provider_reference)
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    Payment.objects.filter(pk=payment.pk).update(expires_at=long_ago)
    listed_before = list(stripe_payments_without_webhook())

    # when
    resolved = services.attempts_check_stale()

    # then: settled by asking Stripe, still listed as "webhook never came"
    invoice.refresh_from_db()
    assert (resolved, invoice.status) == (1, "paid")
    later = timezone.now() + datetime.timedelta(hours=1)
    assert listed_before == [payment]
    assert list(stripe_payments_without_webhook(now=later)) == [payment]

    # and once the webhook finally arrives, it is no longer listed, and nothing is paid twice
    post_event(stripe_gateway.event("checkout.session.completed", session))
    assert list(stripe_payments_without_webhook(now=later)) == []
    assert Receipt.objects.count() == 1


# --- Refunds -------------------------------------------------------------------------------


def paid_by_stripe(stripe_gateway, post_event) -> Payment:
    invoice = InvoiceFactory()
    payment = start(invoice)
    post_event(
        stripe_gateway.event(
            "checkout.session.completed", stripe_gateway.pay(payment.provider_reference)
        )
    )
    payment.refresh_from_db()
    return payment


def test_refund_goes_through_stripe_with_an_idempotency_key(stripe_gateway, post_event, clerk):
    # given
    payment = paid_by_stripe(stripe_gateway, post_event)

    # when
    refund = services.refund_issue(
        payment=payment, amount_cents=1500, reason="Overcharged", actor=clerk
    )

    # then
    [request] = stripe_gateway.requests_to("POST", "/v1/refunds")
    assert request.idempotency_key == f"refund-{refund.idempotency_key}"
    assert (request.params["payment_intent"], request.params["amount"]) == (
        payment.provider_payment_id,
        "1500",
    )
    assert (refund.provider_reference, refund.provider_status) == (
        next(iter(stripe_gateway.refunds)),
        "succeeded",
    )
    payment.invoice.refresh_from_db()
    assert payment.invoice.status == "partially_refunded"


def test_stripe_refusing_a_refund_refunds_nothing(stripe_gateway, post_event, clerk):
    # given
    payment = paid_by_stripe(stripe_gateway, post_event)
    stripe_gateway.fail_next("POST", "/v1/refunds", status=402, error_type="card_error")

    # when
    with pytest.raises(GatewayError):
        services.refund_issue(payment=payment, amount_cents=1000, reason="x", actor=clerk)

    # then: the refund asked for is kept as failed, nothing counted or reserved
    payment.refresh_from_db()
    assert list(Refund.objects.values_list("status", flat=True)) == ["failed"]
    assert (payment.amount_refunded_cents, payment.refund_pending_cents) == (0, 0)


def test_refund_above_the_amount_paid_never_reaches_stripe(stripe_gateway, post_event, clerk):
    # given
    payment = paid_by_stripe(stripe_gateway, post_event)

    # when
    with pytest.raises(RefundRefused):
        services.refund_issue(payment=payment, amount_cents=5001, reason="x", actor=clerk)

    # then
    assert stripe_gateway.requests_to("POST", "/v1/refunds") == []


def test_charge_refunded_for_a_refund_already_recorded_changes_nothing(
    stripe_gateway, post_event, clerk
):
    # given
    payment = paid_by_stripe(stripe_gateway, post_event)
    services.refund_issue(payment=payment, amount_cents=5000, reason="Withdrawn", actor=clerk)

    # when
    response = post_event(
        stripe_gateway.event("charge.refunded", stripe_gateway.charge(payment.provider_reference))
    )

    # then
    assert (response.status_code, Refund.objects.count()) == (200, 1)
    assert StripeEvent.objects.get(type="charge.refunded").detail == "Refunds already recorded."


def test_charge_refunded_records_a_refund_made_in_stripes_dashboard(stripe_gateway, post_event):
    # given: staff refunded $20 in Stripe's dashboard, not through the portal
    payment = paid_by_stripe(stripe_gateway, post_event)
    stripe_gateway.refunds["re_dashboard"] = {
        "id": "re_dashboard",
        "object": "refund",
        "amount": 2000,
        "currency": "usd",
        "payment_intent": payment.provider_payment_id,
        "status": "succeeded",
    }

    # when
    post_event(
        stripe_gateway.event("charge.refunded", stripe_gateway.charge(payment.provider_reference))
    )

    # then
    refund = Refund.objects.get()
    payment.invoice.refresh_from_db()
    assert (refund.amount_cents, refund.provider_reference, refund.issued_by) == (
        2000,
        "re_dashboard",
        None,
    )
    assert (payment.invoice.status, payment.invoice.amount_refunded_cents) == (
        "partially_refunded",
        2000,
    )


def _refunded_in_dashboard(stripe_gateway, session: dict, *, amount: int) -> dict:
    """Stripe refunded `amount` of the session's charge (in its dashboard): the charge."""
    stripe_gateway.refunds[f"re_{session['id']}"] = {
        "id": f"re_{session['id']}",
        "object": "refund",
        "amount": amount,
        "currency": "usd",
        "payment_intent": session["payment_intent"],
        "status": "succeeded",
    }
    return stripe_gateway.charge(session["id"])


def test_refund_that_arrives_before_its_payment_is_applied_when_the_payment_comes(
    stripe_gateway, post_event, django_capture_on_commit_callbacks
):
    # given: paid, then refunded in full at Stripe; the refund's event is delivered first
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = stripe_gateway.pay(payment.provider_reference)
    charge = _refunded_in_dashboard(stripe_gateway, session, amount=5000)
    completed = stripe_gateway.event("checkout.session.completed", session)
    refunded = stripe_gateway.event("charge.refunded", charge)

    # when
    early = post_event(refunded)

    # then: kept, answered 200 (Stripe need not resend it), nothing applied yet
    assert (early.status_code, early.json()) == (200, {"status": "waiting"})
    assert Refund.objects.count() == 0

    # when: the payment arrives
    with django_capture_on_commit_callbacks(execute=True):
        post_event(completed)

    # then: the invoice is paid and refunded, as at Stripe
    invoice.refresh_from_db()
    stored = StripeEvent.objects.get(type="charge.refunded")
    assert (invoice.status, invoice.amount_paid_cents, invoice.amount_refunded_cents) == (
        "refunded",
        5000,
        5000,
    )
    assert (stored.status, stored.payment_id) == ("applied", payment.pk)
    assert Refund.objects.get().amount_cents == 5000


def test_refund_waiting_for_its_payment_is_applied_when_the_payment_is_confirmed_by_asking(
    stripe_gateway, post_event, django_capture_on_commit_callbacks
):
    # given: the refund arrived, the completion event never does
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = stripe_gateway.pay(payment.provider_reference)
    post_event(
        stripe_gateway.event(
            "charge.refunded", _refunded_in_dashboard(stripe_gateway, session, amount=2000)
        )
    )

    # when: the payer returns and the portal asks Stripe
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refresh(payment=payment)

    # then
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_refunded_cents) == ("partially_refunded", 2000)
    assert StripeEvent.objects.get().status == "applied"


def test_refund_still_waiting_after_the_grace_period_is_listed_for_staff(
    stripe_gateway, post_event, settings
):
    # given: a refund of a charge no payment of the portal has (yet)
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = stripe_gateway.pay(payment.provider_reference)
    post_event(
        stripe_gateway.event(
            "charge.refunded", _refunded_in_dashboard(stripe_gateway, session, amount=5000)
        )
    )
    event = StripeEvent.objects.get()
    grace = datetime.timedelta(minutes=settings.PAYMENTS_WEBHOOK_GRACE_MINUTES)

    # when / then: not listed while it may still be matched, listed after
    assert list(stripe_events_needing_attention(now=event.received_at + grace)) == []
    assert list(
        stripe_events_needing_attention(
            now=event.received_at + grace + datetime.timedelta(seconds=1)
        )
    ) == [event]


def test_periodic_run_applies_a_refund_whose_payment_came_meanwhile(stripe_gateway, post_event):
    # given: the refund waits; the payment settled, but its after-commit step never ran
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = stripe_gateway.pay(payment.provider_reference)
    post_event(
        stripe_gateway.event(
            "charge.refunded", _refunded_in_dashboard(stripe_gateway, session, amount=5000)
        )
    )
    post_event(stripe_gateway.event("checkout.session.completed", session))
    assert StripeEvent.objects.get(type="charge.refunded").status == "waiting"

    # when
    applied = services.webhook_events_apply_waiting()

    # then
    invoice.refresh_from_db()
    assert applied == 1
    assert (invoice.status, invoice.amount_refunded_cents) == ("refunded", 5000)
    assert services.webhook_events_apply_waiting() == 0


def test_refund_naming_no_payment_intent_is_unmatched(stripe_gateway, post_event):
    # given
    charge = {"id": "ch_x", "object": "charge", "amount_refunded": 100, "currency": "usd"}

    # when
    response = post_event(stripe_gateway.event("charge.refunded", charge))

    # then
    assert (response.status_code, StripeEvent.objects.get().status) == (422, "unmatched")


@pytest.mark.parametrize(
    ("field", "value", "invoice_status"),
    [
        # An unreadable payment intent reads as none: the money still arrived.
        ("payment_intent", 5, "paid"),
        ("payment_intent", ["pi_1"], "paid"),
        ("payment_intent", "pi_" + "x" * 300, "paid"),
        # An unreadable currency, status or amount pays nothing.
        ("currency", 5, "open"),
        ("currency", True, "open"),
        ("payment_status", ["paid"], "open"),
        ("payment_status", {"paid": 1}, "open"),
        ("amount_total", -5000, "open"),
        ("amount_total", 10**30, "open"),
        ("amount_total", 1e300, "open"),
    ],
)
def test_a_session_with_a_field_of_the_wrong_type_is_answered(
    stripe_gateway, post_event, field, value, invoice_status
):
    # given: correctly signed, about a real checkout, but one field is of another type
    invoice = InvoiceFactory()
    payment = start(invoice)
    session = {**stripe_gateway.pay(payment.provider_reference), field: value}

    # when
    response = post_event(stripe_gateway.event("checkout.session.completed", session))

    # then
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert (response.status_code, invoice.status) == (200, invoice_status)
    assert StripeEvent.objects.get().status in ("applied", "flagged")
    if field == "payment_intent":
        assert payment.provider_payment_id == ""


@pytest.mark.parametrize(
    "changes",
    [
        {"currency": 5},
        {"currency": ["usd"]},
        {"amount_refunded": 2000, "refunds": ["re_1"]},
        {"amount_refunded": 2000, "refunds": {"data": 5}},
        {"amount_refunded": 2000, "refunds": {"data": [{"id": ["re_1"]}]}},
        {"amount_refunded": 2000, "refunds": {"data": [{"id": "re_" + "x" * 300}]}},
    ],
)
def test_a_charge_with_fields_of_the_wrong_type_is_answered(stripe_gateway, post_event, changes):
    # given
    payment = paid_by_stripe(stripe_gateway, post_event)
    charge = {**stripe_gateway.charge(payment.provider_reference), **changes}

    # when
    response = post_event(stripe_gateway.event("charge.refunded", charge))

    # then
    assert response.status_code == 200
    assert StripeEvent.objects.get(type="charge.refunded").status in ("applied", "flagged")
