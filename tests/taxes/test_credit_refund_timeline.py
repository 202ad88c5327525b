"""A credit refund the gateway refuses after it was asked for (announced through
invoice_status_changed with failed_refund_id) is written on the bill's timeline: in plain
words for the owner, with the gateway's reason for staff."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from taxes.charges import agency_date
from taxes.models import BillEvent, BillPayment
from taxes.selectors import YEAR
from taxes.services import ebills
from taxes.services.checkout import bill_payment_start
from taxes.services.credits import credit_refund
from tests.payments.test_intents import paid_at_stripe
from tests.taxes.factories import OwnerFactory, ParcelFactory, TaxBillFactory
from tests.taxes.staff_support import tax_staff

DAYS = datetime.timedelta(days=1)


@pytest.mark.django_db(transaction=True)
def test_a_credit_refund_refused_later_is_on_the_bills_timeline_once(stripe_gateway, settings):
    # given: paid twice at Stripe; the owner's refund of the credit is left to the retry task
    today = agency_date(timezone.now())
    bill = TaxBillFactory(schedule=[(today + 30 * DAYS, 100000)])
    started = [
        bill_payment_start(bill=bill, choice=YEAR, email=email)
        for email in ("owner@example.com", "spouse@example.com")
    ]
    for invoice in started:
        paid_at_stripe(stripe_gateway, invoice)
    duplicate = BillPayment.objects.get(bill=bill, credit_cents__gt=0)
    stripe_gateway.fail_next("POST", "/v1/refunds", status=500)
    assert credit_refund(bill_payment_id=duplicate.pk, bill_id=bill.pk).status == "pending"
    assert not BillEvent.objects.filter(bill=bill).exists()

    # when: asked again by the retry task, Stripe refuses
    from payments.tasks import retry_gateway_intents

    stripe_gateway.fail_next("POST", "/v1/refunds", status=400, error_type="invalid_request_error")
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0
    retry_gateway_intents()
    retry_gateway_intents()

    # then: one entry, with the amount still to refund and why
    [event] = BillEvent.objects.filter(bill=bill)
    assert event.kind == "refund_failed"
    assert event.data["cents"] == 100000
    assert "InvalidRequestError" in event.data["failure"]
    assert event.data["credit_refund"] == duplicate.credit_refund.pk


def _failed_refund_event(bill):
    return BillEvent.objects.create(
        bill=bill,
        kind="refund_failed",
        key="refund-failed:7:9",
        data={
            "credit_refund": 7,
            "refund": 9,
            "cents": 25000,
            "failure": "The payment service refused the refund: card expired",
        },
    )


@pytest.mark.django_db
def test_the_owner_reads_that_the_refund_did_not_go_through(client, resident):
    # given
    bill = TaxBillFactory()
    ebills.parcel_link(
        user=resident, parcel_number=bill.parcel.number, access_code=bill.access_code
    )
    _failed_refund_event(bill)
    client.force_login(resident)

    # when
    page = client.get(reverse("taxes:my_bill", args=[bill.number])).content.decode()

    # then: plain words, not the payment service's error
    assert "Refund of a credit failed" in page
    assert (
        "The refund of $250.00 of your credit did not go through: the payment service "
        "refused it. Nothing was taken from you; you can ask for the refund again on the "
        "bill's page, or the tax office can refund it."
    ) in page
    assert "card expired" not in page


@pytest.mark.django_db
def test_staff_read_why_the_refund_failed_on_the_parcel_page(client):
    # given
    parcel = ParcelFactory()
    OwnerFactory(parcel=parcel)
    bill = TaxBillFactory(parcel=parcel)
    _failed_refund_event(bill)
    client.force_login(tax_staff())

    # when
    page = client.get(reverse("taxes_staff:parcel", args=[parcel.number])).content.decode()

    # then
    assert "Refund of a credit failed" in page
    assert (
        "The refund of $250.00 of a credit failed: The payment service refused the refund: "
        "card expired"
    ) in page


@pytest.mark.django_db(transaction=True)
def test_a_credit_refund_refused_at_once_is_on_the_bills_timeline_once(stripe_gateway):
    # given: paid twice at Stripe
    from payments.gateways import GatewayError

    today = agency_date(timezone.now())
    bill = TaxBillFactory(schedule=[(today + 30 * DAYS, 100000)])
    started = [
        bill_payment_start(bill=bill, choice=YEAR, email=email)
        for email in ("owner@example.com", "spouse@example.com")
    ]
    for invoice in started:
        paid_at_stripe(stripe_gateway, invoice)
    duplicate = BillPayment.objects.get(bill=bill, credit_cents__gt=0)

    # when: the owner refunds the credit and Stripe refuses at once
    stripe_gateway.fail_next("POST", "/v1/refunds", status=400, error_type="invalid_request_error")
    with pytest.raises(GatewayError):
        credit_refund(bill_payment_id=duplicate.pk, bill_id=bill.pk)

    # then: one entry, as for a refusal that comes later, with what is still to refund and why
    [event] = BillEvent.objects.filter(bill=bill)
    assert event.kind == "refund_failed"
    assert event.data["cents"] == 100000
    assert "InvalidRequestError" in event.data["failure"]
    assert event.data["credit_refund"] == duplicate.credit_refund.pk
    assert event.data["refund"] == duplicate.credit_refund.refund_ids[-1]


@pytest.mark.django_db(transaction=True)
def test_a_credit_refund_refused_at_once_while_a_part_waits_is_on_the_bills_timeline(
    stripe_gateway,
):
    # given: the owner paid half the year at Stripe; someone else paid the whole year in two
    # parts, $700.00 at the counter then $300.00 at Stripe: a credit of $500.00, refunded
    # newest payment first, so Stripe's part is asked for before the counter's
    from payments import services as payments
    from payments.gateways import GatewayError
    from payments.models import Invoice, Refund
    from taxes.services.checkout import PARTIAL
    from tests.accounts.factories import StaffFactory

    today = agency_date(timezone.now())
    bill = TaxBillFactory(schedule=[(today + 30 * DAYS, 100000)])
    owner = bill_payment_start(
        bill=bill, choice=PARTIAL, amount_cents=50000, email="owner@example.com"
    )
    other = bill_payment_start(bill=bill, choice=YEAR, email="spouse@example.com")
    paid_at_stripe(stripe_gateway, owner)
    Invoice.objects.filter(pk=other.pk).update(minimum_payment_cents=10000)
    other.refresh_from_db()
    payments.payment_record_counter(
        invoice=other,
        method="cash",
        amount_cents=70000,
        actor=StaffFactory(roles=["clerk", "cashier"]),
    )
    paid_at_stripe(stripe_gateway, other, amount_cents=30000)
    credit = BillPayment.objects.get(invoice_id=other.pk)
    assert credit.credit_cents == 50000

    # when: Stripe refuses its part at once; the counter's part is left to the retry task
    stripe_gateway.fail_next("POST", "/v1/refunds", status=400, error_type="invalid_request_error")
    with pytest.raises(GatewayError):
        credit_refund(bill_payment_id=credit.pk, bill_id=bill.pk)

    # then: the bill's timeline says the refund failed, with what is still to refund and why
    card, cash = Refund.objects.order_by("pk")
    assert [(r.amount_cents, r.status) for r in (card, cash)] == [
        (30000, "failed"),
        (20000, "pending"),
    ]
    [event] = BillEvent.objects.filter(bill=bill)
    assert event.kind == "refund_failed"
    assert event.key == f"refund-failed:{credit.credit_refund.pk}:{card.pk}"
    assert event.data["cents"] == 30000
    assert "InvalidRequestError" in event.data["failure"]


@pytest.mark.django_db(transaction=True)
def test_a_credit_refund_the_payments_app_refuses_at_once_is_on_the_bills_timeline():
    # given: paid twice; a cashier already gave back $600.00 of the second payment
    from payments import services as payments
    from payments.exceptions import RefundRefused
    from payments.models import Payment
    from tests.accounts.factories import StaffFactory
    from tests.taxes.payers import pay_locally

    today = agency_date(timezone.now())
    bill = TaxBillFactory(schedule=[(today + 30 * DAYS, 100000)])
    started = [
        bill_payment_start(bill=bill, choice=YEAR, email=email)
        for email in ("owner@example.com", "spouse@example.com")
    ]
    for invoice in started:
        pay_locally(invoice)
    duplicate = BillPayment.objects.get(bill=bill, credit_cents__gt=0)
    payments.refund_issue(
        payment=Payment.objects.get(invoice_id=duplicate.invoice_id),
        amount_cents=60000,
        reason="Returned at the desk",
        actor=StaffFactory(roles=["cashier"]),
    )

    # when: the credit's refund asks for more than is left
    with pytest.raises(RefundRefused):
        credit_refund(bill_payment_id=duplicate.pk, bill_id=bill.pk)

    # then: the bill's timeline says the refund failed, and why
    [event] = BillEvent.objects.filter(bill=bill)
    assert event.kind == "refund_failed"
    assert event.data["cents"] == 100000
    assert event.data["refund"] is None
    assert event.data["failure"].startswith("A refund cannot be more than what is left")


@pytest.mark.django_db(transaction=True)
def test_a_part_refused_later_after_one_refused_at_once_is_on_the_bills_timeline_too(
    stripe_gateway, settings
):
    # given: the owner paid half the year at Stripe; someone else paid the whole year at
    # Stripe in two parts, $700.00 then $300.00: a credit of $500.00, refunded newest payment
    # first; Stripe refuses the first part at once, the second is left to the retry task
    from payments.gateways import GatewayError
    from payments.models import GatewayIntent, Invoice, Refund
    from payments.tasks import retry_gateway_intents
    from taxes.services.checkout import PARTIAL

    today = agency_date(timezone.now())
    bill = TaxBillFactory(schedule=[(today + 30 * DAYS, 100000)])
    owner = bill_payment_start(
        bill=bill, choice=PARTIAL, amount_cents=50000, email="owner@example.com"
    )
    other = bill_payment_start(bill=bill, choice=YEAR, email="spouse@example.com")
    paid_at_stripe(stripe_gateway, owner)
    Invoice.objects.filter(pk=other.pk).update(minimum_payment_cents=10000)
    other.refresh_from_db()
    paid_at_stripe(stripe_gateway, other, amount_cents=70000)
    paid_at_stripe(stripe_gateway, other, amount_cents=30000)
    credit = BillPayment.objects.get(invoice_id=other.pk)
    assert credit.credit_cents == 50000
    stripe_gateway.fail_next("POST", "/v1/refunds", status=400, error_type="invalid_request_error")
    with pytest.raises(GatewayError):
        credit_refund(bill_payment_id=credit.pk, bill_id=bill.pk)
    first, second = Refund.objects.order_by("pk")
    assert [(r.amount_cents, r.status) for r in (first, second)] == [
        (30000, "failed"),
        (20000, "pending"),
    ]

    # when: the retry task asks for the second part (its claim run out), and Stripe refuses
    # it too
    GatewayIntent.objects.filter(refund=second).update(claimed_until=None)
    stripe_gateway.fail_next("POST", "/v1/refunds", status=400, error_type="card_error")
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0
    retry_gateway_intents()

    # then: each refused part is on the bill's timeline, once, the last with all still owed
    second.refresh_from_db()
    assert second.status == "failed"
    row = credit.credit_refund
    events = list(BillEvent.objects.filter(bill=bill).order_by("pk"))
    assert [event.key for event in events] == [
        f"refund-failed:{row.pk}:{first.pk}",
        f"refund-failed:{row.pk}:{second.pk}",
    ]
    assert [event.data["cents"] for event in events] == [30000, 50000]
    row.refresh_from_db()
    assert row.status == "failed"


@pytest.mark.django_db(transaction=True)
def test_a_credit_refund_stripe_never_answers_is_not_called_refused(stripe_gateway, settings):
    # given: paid twice at Stripe; Stripe answers none of the credit refund's calls (500), so
    # the payments app's retry task gives it up: Stripe may have made it all the same
    from payments.services.intents import MAX_ATTEMPTS
    from payments.tasks import retry_gateway_intents

    today = agency_date(timezone.now())
    bill = TaxBillFactory(schedule=[(today + 30 * DAYS, 100000)])
    started = [
        bill_payment_start(bill=bill, choice=YEAR, email=email)
        for email in ("owner@example.com", "spouse@example.com")
    ]
    for invoice in started:
        paid_at_stripe(stripe_gateway, invoice)
    duplicate = BillPayment.objects.get(bill=bill, credit_cents__gt=0)
    stripe_gateway.fail_next("POST", "/v1/refunds", status=500, times=MAX_ATTEMPTS + 1)
    credit_refund(bill_payment_id=duplicate.pk, bill_id=bill.pk)
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0

    # when
    for _ in range(MAX_ATTEMPTS):
        retry_gateway_intents()

    # then: the timeline and the staff's reason say it went unanswered, not that it was refused
    [event] = BillEvent.objects.filter(bill=bill)
    assert event.kind == "refund_failed"
    assert event.data["unanswered"] is True
    assert event.data["failure"].startswith("The payment service did not answer the refund: ")
    duplicate.credit_refund.refresh_from_db()
    assert duplicate.credit_refund.failure == event.data["failure"]


@pytest.mark.django_db
def test_the_owner_reads_that_an_unanswered_refund_may_have_gone_through(client, resident):
    # given
    bill = TaxBillFactory()
    ebills.parcel_link(
        user=resident, parcel_number=bill.parcel.number, access_code=bill.access_code
    )
    event = _failed_refund_event(bill)
    event.data["unanswered"] = True
    event.save()
    client.force_login(resident)

    # when
    page = client.get(reverse("taxes:my_bill", args=[bill.number])).content.decode()

    # then
    assert "refused it" not in page
    assert (
        "The payment service did not answer about the refund of $250.00 of your credit, so "
        "it may have gone through. Check your card or bank statement; asking for the refund "
        "again on the bill's page checks with the payment service first, so you are never "
        "refunded twice."
    ) in page
