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
from taxes.selectors import YEAR
from taxes.services.checkout import bill_payment_start
from taxes.services.credits import credit_refund
from tests.accounts.factories import StaffFactory
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
