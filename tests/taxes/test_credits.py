"""Duplicate payments become credits, refunded once, in full, to whoever paid
(taxes.services.credits): by the owner in one click, or by staff with the refund role."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from payments.models import Invoice, Refund
from taxes.charges import agency_date
from taxes.exceptions import CreditNotRefundable
from taxes.models import BillPayment, CreditRefund
from taxes.payer_selectors import credits_to_refund
from taxes.selectors import YEAR
from taxes.services.checkout import bill_payment_start
from taxes.services.credits import credit_refund
from tests.accounts.factories import StaffFactory
from tests.payments.test_intents import paid_at_stripe
from tests.taxes.factories import TaxBillFactory
from tests.taxes.payers import pay_locally

pytestmark = pytest.mark.django_db(transaction=True)
DAYS = datetime.timedelta(days=1)


@pytest.fixture
def paid_twice():
    """The owner and someone else both paid the whole year ($1,000.00): the second, a credit."""
    today = agency_date(timezone.now())
    bill = TaxBillFactory(schedule=[(today + 30 * DAYS, 100000)], escrow_lender="First Bank")
    first = bill_payment_start(bill=bill, choice=YEAR, email="owner@example.com")
    second = bill_payment_start(bill=bill, choice=YEAR, email="spouse@example.com")
    pay_locally(first)
    pay_locally(second)
    return bill, BillPayment.objects.get(invoice_id=second.pk)


def test_a_second_payment_of_a_paid_bill_becomes_a_credit(paid_twice):
    bill, duplicate = paid_twice

    assert duplicate.credit_cents == 100000
    assert BillPayment.objects.get(bill=bill, credit_cents=0).amount_cents == 100000


def test_the_owner_refunds_the_credit_in_one_call_through_the_gateway(paid_twice):
    # given
    bill, duplicate = paid_twice

    # when
    refund = credit_refund(bill_payment_id=duplicate.pk, bill_id=bill.pk)

    # then: refunded in full on the duplicate payment's invoice, to whoever paid it
    invoice = Invoice.objects.get(pk=duplicate.invoice_id)
    assert (refund.status, refund.amount_cents, refund.by_staff) == ("refunded", 100000, False)
    assert (invoice.status, invoice.amount_refunded_cents) == ("refunded", 100000)
    [payment_refund] = Refund.objects.filter(payment__invoice=invoice)
    assert (payment_refund.policy, payment_refund.status) == ("taxes.credit", "succeeded")


def test_a_double_click_refunds_once(paid_twice):
    bill, duplicate = paid_twice

    first = credit_refund(bill_payment_id=duplicate.pk, bill_id=bill.pk)
    second = credit_refund(bill_payment_id=duplicate.pk, bill_id=bill.pk)

    assert first is not None and second is None
    assert Refund.objects.count() == 1
    assert CreditRefund.objects.count() == 1


def test_two_clicks_at_the_same_instant_refund_once(paid_twice):
    # given
    bill, duplicate = paid_twice
    barrier, results, errors = threading.Barrier(2), [], []

    def click():
        try:
            barrier.wait()
            results.append(credit_refund(bill_payment_id=duplicate.pk, bill_id=bill.pk))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert errors == []
    assert sorted(result is None for result in results) == [False, True]
    assert Refund.objects.count() == 1


def test_the_database_refuses_a_second_refund_of_one_credit(paid_twice):
    _bill, duplicate = paid_twice
    CreditRefund.objects.create(bill_payment=duplicate, amount_cents=100000)

    with pytest.raises(IntegrityError), transaction.atomic():
        CreditRefund.objects.create(bill_payment=duplicate, amount_cents=100000)


def test_a_payment_without_credit_or_of_another_bill_is_refused(paid_twice):
    bill, duplicate = paid_twice
    other = TaxBillFactory()
    first = BillPayment.objects.get(bill=bill, credit_cents=0)

    with pytest.raises(CreditNotRefundable, match="There is no credit to refund"):
        credit_refund(bill_payment_id=first.pk, bill_id=bill.pk)
    with pytest.raises(CreditNotRefundable):
        credit_refund(bill_payment_id=duplicate.pk, bill_id=other.pk)
    assert Refund.objects.count() == 0
    assert CreditRefund.objects.count() == 0


@pytest.mark.parametrize(("roles", "allowed"), [(["clerk"], False), (["cashier"], True)])
def test_staff_refund_a_credit_only_with_the_refund_role(paid_twice, roles, allowed):
    _bill, duplicate = paid_twice
    member = StaffFactory(roles=roles)

    if not allowed:
        with pytest.raises(CreditNotRefundable, match="does not allow refunds"):
            credit_refund(bill_payment_id=duplicate.pk, actor=member, by_staff=True)
        assert Refund.objects.count() == 0
        return
    refund = credit_refund(bill_payment_id=duplicate.pk, actor=member, by_staff=True)
    assert (refund.status, refund.by_staff, refund.requested_by) == ("refunded", True, member)


def test_the_reconciliation_report_counts_tax_payments_and_credit_refunds(paid_twice):
    # given: two tax payments of $1,000.00, the second refunded as a credit
    from payments.selectors import reconciliation

    bill, duplicate = paid_twice
    credit_refund(bill_payment_id=duplicate.pk, bill_id=bill.pk)
    today = timezone.localdate()

    # when
    report = reconciliation(date_from=today, date_to=today)

    # then
    assert (report.total.payments_count, report.total.payments_cents) == (2, 200000)
    assert (report.total.refunds_count, report.total.refunds_cents) == (1, 100000)
    assert report.total.net_cents == 100000


# --- Refunds the gateway answers later ------------------------------------------------------


@pytest.fixture
def batch_with_two_credits(stripe_gateway, resident):
    """Two bills their owners paid, then a lender's batch paid at Stripe for both: two
    credits on the batch's one invoice."""
    from taxes.services.batches import batch_payment_start, batch_upload
    from tests.taxes.factories import ParcelFactory
    from tests.taxes.payers import csv_file

    today = agency_date(timezone.now())
    bills = [
        TaxBillFactory(
            parcel=ParcelFactory(number=f"30-00000{n}"), schedule=[(today + 30 * DAYS, 100000)]
        )
        for n in (1, 2)
    ]
    for bill in bills:
        paid_at_stripe(
            stripe_gateway, bill_payment_start(bill=bill, choice=YEAR, email="owner@example.com")
        )
    batch = batch_upload(
        stream=csv_file("30-000001,1000.00", "30-000002,1000.00"), file_name="e.csv", payer=resident
    )
    paid_at_stripe(stripe_gateway, batch_payment_start(batch=batch, payer=resident))
    return list(BillPayment.objects.filter(batch=batch).order_by("bill_id"))


def test_a_credit_refund_stripe_refuses_later_can_be_asked_again(
    batch_with_two_credits, stripe_gateway, settings
):
    # given: Stripe does not answer in time, and refuses when the call is made again
    from payments.tasks import retry_gateway_intents

    first, _second = batch_with_two_credits
    cashier = StaffFactory(roles=["cashier"])
    stripe_gateway.fail_next("POST", "/v1/refunds", status=500)
    pending = credit_refund(bill_payment_id=first.pk, actor=cashier, by_staff=True)
    assert pending.status == "pending"
    stripe_gateway.fail_next("POST", "/v1/refunds", status=400, error_type="invalid_request_error")
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0
    retry_gateway_intents()
    assert Refund.objects.get().status == "failed"

    # when: the cashier asks again
    listed = [credit.pk for credit in credits_to_refund() if credit.bill_id == first.bill_id]
    again = credit_refund(bill_payment_id=first.pk, actor=cashier, by_staff=True)

    # then: the credit was listed to refund again, and is refunded this time, once
    assert listed == [first.pk]
    assert again is not None and again.status == "refunded"
    assert [r.status for r in Refund.objects.order_by("pk")] == ["failed", "succeeded"]


def test_another_credits_refund_does_not_mark_one_still_waiting_for_stripe(
    batch_with_two_credits, stripe_gateway
):
    # given: the first credit's refund is waiting for Stripe's answer
    first, second = batch_with_two_credits
    cashier = StaffFactory(roles=["cashier"])
    stripe_gateway.fail_next("POST", "/v1/refunds", status=500)
    waiting = credit_refund(bill_payment_id=first.pk, actor=cashier, by_staff=True)
    assert waiting.status == "pending"

    # when: the second credit is refunded at once
    done = credit_refund(bill_payment_id=second.pk, actor=cashier, by_staff=True)

    # then: only the second is refunded; the first still waits for its own answer
    assert done.status == "refunded"
    assert CreditRefund.objects.get(bill_payment=first).status == "pending"


def test_a_refusal_leaves_a_credit_refund_no_longer_pending_as_it_stands(
    batch_with_two_credits, stripe_gateway
):
    # given: Stripe is slow to refuse the refund; meanwhile the credit's refund is settled
    # another way (its row no longer pending)
    from payments.gateways import GatewayError

    first, _second = batch_with_two_credits
    cashier = StaffFactory(roles=["cashier"])
    stripe_gateway.delay_next("POST", "/v1/refunds", seconds=1.5)
    stripe_gateway.fail_next("POST", "/v1/refunds", status=400, error_type="invalid_request_error")

    def settled_meanwhile():
        try:
            for _ in range(100):
                if CreditRefund.objects.filter(bill_payment=first).update(status="refunded"):
                    return
                threading.Event().wait(0.02)
        finally:
            connection.close()

    other = threading.Thread(target=settled_meanwhile)
    other.start()

    # when: the refusal comes back
    with pytest.raises(GatewayError):
        credit_refund(bill_payment_id=first.pk, actor=cashier, by_staff=True)
    other.join()

    # then: the refusal is recorded only on a refund still pending
    row = CreditRefund.objects.get(bill_payment=first)
    assert (row.status, row.failure) == ("refunded", "")


def test_a_credit_refund_stripe_refuses_later_is_marked_failed_with_why(
    batch_with_two_credits, stripe_gateway, settings
):
    # given: Stripe does not answer in time
    first, second = batch_with_two_credits
    cashier = StaffFactory(roles=["cashier"])
    stripe_gateway.fail_next("POST", "/v1/refunds", status=500)
    pending = credit_refund(bill_payment_id=first.pk, actor=cashier, by_staff=True)
    assert pending.status == "pending"
    done = credit_refund(bill_payment_id=second.pk, actor=cashier, by_staff=True)
    assert done.status == "refunded"

    # when: asked again by the retry task, Stripe refuses
    from payments.tasks import retry_gateway_intents

    stripe_gateway.fail_next("POST", "/v1/refunds", status=400, error_type="invalid_request_error")
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0
    retry_gateway_intents()

    # then: the credit's refund says it failed, and why, for staff to refund it again; the
    # other credit's refund stands
    row = CreditRefund.objects.get(bill_payment=first)
    assert row.status == "failed"
    assert "InvalidRequestError" in row.failure
    assert CreditRefund.objects.get(bill_payment=second).status == "refunded"
    assert [credit.pk for credit in credits_to_refund()] == [first.pk]


# --- A refund spread over several payments ----------------------------------------------


@pytest.fixture
def credit_paid_in_two_parts(stripe_gateway):
    """The owner paid half the year ($500.00); someone else, who started before that payment
    settled, paid the whole year ($1,000.00) in two parts, $700.00 at Stripe then $300.00 at
    the counter (their invoice takes part payments): a credit of $500.00, which the refund
    spreads over both parts, the counter's first (newest first)."""
    from payments import services as payments
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
    payments.payment_record_counter(
        invoice=other,
        method="cash",
        amount_cents=30000,
        actor=StaffFactory(roles=["clerk", "cashier"]),
    )
    return bill, BillPayment.objects.get(invoice_id=other.pk)


def test_a_credit_refund_stripe_refuses_in_part_refunds_only_what_is_still_owed(
    credit_paid_in_two_parts, stripe_gateway
):
    # given: the counter's part is refunded; Stripe refuses its part
    from payments.gateways import GatewayError

    bill, credit = credit_paid_in_two_parts
    assert credit.credit_cents == 50000
    stripe_gateway.fail_next("POST", "/v1/refunds", status=400, error_type="invalid_request_error")
    with pytest.raises(GatewayError):
        credit_refund(bill_payment_id=credit.pk, bill_id=bill.pk)

    # then: the row keeps the refund that was made, and is failed for what is still owed
    cash, card = Refund.objects.order_by("pk")
    assert [(r.amount_cents, r.status) for r in (cash, card)] == [
        (30000, "succeeded"),
        (20000, "failed"),
    ]
    row = CreditRefund.objects.get(bill_payment=credit)
    assert row.status == "failed"
    assert cash.pk in row.refund_ids
    assert BillPayment.objects.get(pk=credit.pk).credit_refundable_cents == 20000
    assert [c.pk for c in credits_to_refund()] == [credit.pk]

    # when: asked again
    again = credit_refund(bill_payment_id=credit.pk, bill_id=bill.pk)

    # then: only the $200.00 still owed is refunded; the credit is refunded, once in all
    invoice = Invoice.objects.get(pk=credit.invoice_id)
    assert again is not None and again.status == "refunded"
    assert [(r.amount_cents, r.status) for r in Refund.objects.order_by("pk")] == [
        (30000, "succeeded"),
        (20000, "failed"),
        (20000, "succeeded"),
    ]
    assert invoice.amount_refunded_cents == 50000
    assert BillPayment.objects.get(pk=credit.pk).credit_refundable_cents == 0
    assert credits_to_refund().filter(pk=credit.pk).count() == 0
    assert credit_refund(bill_payment_id=credit.pk, bill_id=bill.pk) is None


def test_a_credit_refund_whose_process_died_after_stripe_refunded_is_refunded_once(
    batch_with_two_credits, stripe_gateway, settings, monkeypatch
):
    # given: Stripe refunds the credit; the process dies before the answer is recorded
    from payments.services import refunds as payment_refunds
    from payments.tasks import retry_gateway_intents

    first, _second = batch_with_two_credits
    cashier = StaffFactory(roles=["cashier"])
    record = payment_refunds.refund_apply_locked

    def die(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(payment_refunds, "refund_apply_locked", die)
    with pytest.raises(SystemExit):
        credit_refund(bill_payment_id=first.pk, actor=cashier, by_staff=True)
    monkeypatch.setattr(payment_refunds, "refund_apply_locked", record)

    # when: the dead process's claim on the call lapses, the payments app's retry task makes
    # the call again, and the cashier asks again
    from payments.models import GatewayIntent

    GatewayIntent.objects.update(claimed_until=None)
    settings.PAYMENTS_INTENT_RETRY_SECONDS = 0
    retry_gateway_intents()
    again = credit_refund(bill_payment_id=first.pk, actor=cashier, by_staff=True)

    # then: Stripe refunded the credit once, and the credit shows refunded
    assert again is None
    assert [r["amount"] for r in stripe_gateway.refunds.values()] == [100000]
    assert CreditRefund.objects.get(bill_payment=first).status == "refunded"
    assert Refund.objects.filter(status="succeeded").count() == 1
    assert first.bill_id not in {credit.bill_id for credit in credits_to_refund()}
