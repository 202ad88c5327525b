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
