import datetime

import pytest
from django.utils import timezone

from payments import selectors, services
from payments.models import Payment, StripeEvent
from tests.payments.factories import GuestInvoiceFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def test_invoices_for_user_are_their_own_only(resident, other_resident):
    # given
    mine = InvoiceFactory(payer=resident)
    InvoiceFactory(payer=other_resident)
    GuestInvoiceFactory(guest_email=resident.email)

    # when
    result = list(selectors.invoices_for_user(user=resident))

    # then
    assert result == [mine]


def test_invoice_find_by_reference_matches_the_payers_address_in_any_case(resident):
    # given
    guest = GuestInvoiceFactory(guest_email="Pat@Example.net")
    account = InvoiceFactory(payer=resident)

    # when / then
    assert (
        selectors.invoice_find_by_reference(reference=guest.reference, email="pat@example.NET")
        == guest
    )
    assert (
        selectors.invoice_find_by_reference(
            reference=account.reference, email=resident.email.upper()
        )
        == account
    )
    assert selectors.invoice_find_by_reference(reference=guest.reference, email="") is None
    assert (
        selectors.invoice_find_by_reference(reference=guest.reference, email=resident.email) is None
    )


def test_reconciliation_totals_payments_and_refunds_by_day_and_gateway(clerk):
    # given: two counter payments and a local one today, a partial refund
    today = timezone.localdate()
    cash = InvoiceFactory()
    services.payment_record_counter(invoice=cash, method="cash", amount_cents=5000, actor=clerk)
    check = InvoiceFactory()
    services.payment_record_counter(invoice=check, method="check", amount_cents=5000, actor=clerk)
    online = InvoiceFactory()
    attempt = services.payment_attempt_start(
        invoice=online, success_url="https://x/", cancel_url="https://x/"
    )
    services.payment_local_complete(payment=attempt, approved=True)
    services.refund_issue(payment=cash.payments.get(), amount_cents=1500, reason="x", actor=clerk)
    # and one from last month, outside the period
    old = InvoiceFactory()
    services.payment_record_counter(invoice=old, method="cash", amount_cents=5000, actor=clerk)
    Payment.objects.filter(invoice=old).update(
        settled_at=timezone.now() - datetime.timedelta(days=40)
    )

    # when
    report = selectors.reconciliation(date_from=today - datetime.timedelta(days=7), date_to=today)

    # then
    assert [
        (r.day, r.gateway, r.payments_count, r.payments_cents, r.refunds_count, r.refunds_cents)
        for r in report.rows
    ] == [(today, "counter", 2, 10000, 1, 1500), (today, "local", 1, 5000, 0, 0)]
    assert [(g.gateway, g.net_cents) for g in report.by_gateway] == [
        ("counter", 8500),
        ("local", 5000),
    ]
    assert (report.total.payments_cents, report.total.refunds_cents, report.total.net_cents) == (
        15000,
        1500,
        13500,
    )


def test_payments_needing_review_leaves_out_resolved_ones(clerk):
    # given
    first, second = InvoiceFactory(), InvoiceFactory()
    flagged = []
    for invoice in (first, second):
        attempt = services.payment_attempt_start(
            invoice=invoice, success_url="https://x/", cancel_url="https://x/"
        )
        services.payment_settle(payment=attempt, amount_cents=1, currency="USD", source="webhook")
        flagged.append(attempt)
    services.payment_review_resolve(payment=flagged[0], actor=clerk, note="Refunded")

    # when
    result = list(selectors.payments_needing_review())

    # then
    assert result == [flagged[1]]


def test_stripe_events_needing_attention_lists_unmatched_flagged_and_stuck_events():
    # given
    now = timezone.now()
    payload = {"data": {"object": {}}}
    unmatched = StripeEvent.objects.create(
        event_id="evt_1", type="t", payload=payload, status="unmatched"
    )
    flagged = StripeEvent.objects.create(
        event_id="evt_2", type="t", payload=payload, status="flagged"
    )
    StripeEvent.objects.create(event_id="evt_3", type="t", payload=payload, status="applied")
    StripeEvent.objects.create(event_id="evt_4", type="t", payload=payload, status="received")
    stuck = StripeEvent.objects.create(
        event_id="evt_5",
        type="t",
        payload=payload,
        status="received",
        received_at=now - datetime.timedelta(minutes=10),
    )

    # when
    result = set(selectors.stripe_events_needing_attention(now=now))

    # then
    assert result == {unmatched, flagged, stuck}
