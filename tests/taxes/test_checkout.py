"""Paying a tax bill online (taxes.services.checkout): the amount chosen becomes an invoice,
and the invoice once paid is applied to the bill, once, as of the day it was started."""

import datetime

import pytest
from django.utils import timezone

from payments import services as payments
from payments.models import Invoice, InvoiceStatus
from payments.signals import invoice_status_changed
from taxes.charges import agency_date
from taxes.models import BillPayment, InstalmentPayment, PenaltyRule
from taxes.selectors import YEAR, bill_payoff
from taxes.services.checkout import PARTIAL, PaymentInvalid, bill_invoice_paid, bill_payment_start
from tests.taxes.factories import TaxBillFactory

pytestmark = pytest.mark.django_db
DAYS = datetime.timedelta(days=1)
SUCCESS = "https://portal.example.gov/taxes/bills/X/?payment=done"
CANCEL = "https://portal.example.gov/taxes/bills/X/"


@pytest.fixture
def today():
    return agency_date(timezone.now())


@pytest.fixture
def penalty():
    PenaltyRule.objects.create(kind="penalty", days_past_due=0, percent="5")


def pay_locally(invoice):
    attempt = payments.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    payments.payment_local_complete(payment=attempt, approved=True)
    invoice.refresh_from_db()
    return invoice


def principal_paid(bill):
    return list(
        bill.instalments.order_by("sequence").values_list("principal_paid_cents", flat=True)
    )


def test_the_whole_year_pays_everything_and_leaves_nothing_owed(today):
    # given: two $1,000.00 instalments still to come
    bill = TaxBillFactory(schedule=[(today + 10 * DAYS, 100000), (today + 100 * DAYS, 100000)])

    # when
    invoice = bill_payment_start(bill=bill, choice=YEAR, email="ana@example.com")
    pay_locally(invoice)

    # then
    assert invoice.total_cents == 200000
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.guest_email == "ana@example.com"
    assert principal_paid(bill) == [100000, 100000]
    assert bill_payoff(bill=bill, on=today).total_cents == 0
    assert BillPayment.objects.get(invoice_id=invoice.pk).credit_cents == 0


def test_a_second_click_on_pay_takes_the_invoice_the_first_issued(today, resident):
    # given: a guest and a resident each started paying the whole year
    bill = TaxBillFactory(schedule=[(today + 10 * DAYS, 100000)])
    first = bill_payment_start(bill=bill, choice=YEAR, email="ana@example.com")
    theirs = bill_payment_start(bill=bill, choice=YEAR, user=resident)

    # when: each clicks "pay" again, and the guest then chooses another amount
    again = bill_payment_start(bill=bill, choice=YEAR, email="ana@example.com")
    other = bill_payment_start(
        bill=bill, choice=PARTIAL, amount_cents=5000, email="ana@example.com"
    )

    # then: one invoice per payer and amount, never two to pay for the same choice
    assert again.pk == first.pk
    assert bill_payment_start(bill=bill, choice=YEAR, user=resident).pk == theirs.pk
    assert len({first.pk, theirs.pk, other.pk}) == 3


def test_one_instalment_pays_the_oldest_only(today, resident):
    # given
    bill = TaxBillFactory(schedule=[(today + 10 * DAYS, 100000), (today + 100 * DAYS, 100000)])

    # when: signed in, the next instalment
    invoice = bill_payment_start(bill=bill, choice="next1", user=resident)
    pay_locally(invoice)

    # then
    assert invoice.total_cents == 100000
    assert invoice.payer == resident
    assert principal_paid(bill) == [100000, 0]


def test_a_partial_payment_pays_the_penalty_first_then_the_oldest_instalment(today, penalty):
    # given: the first instalment weeks late ($50.00 penalty)
    bill = TaxBillFactory(schedule=[(today - 20 * DAYS, 100000), (today + 100 * DAYS, 100000)])

    # when: $300.00
    invoice = bill_payment_start(
        bill=bill, choice=PARTIAL, amount_cents=30000, email="a@example.com"
    )
    pay_locally(invoice)

    # then
    first, second = bill.instalments.order_by("sequence")
    assert (first.penalty_paid_cents, first.principal_paid_cents) == (5000, 25000)
    assert second.principal_paid_cents == 0


def test_a_partial_payment_under_the_minimum_is_refused(today, settings):
    # given
    settings.TAXES_MINIMUM_PARTIAL_PAYMENT_CENTS = 2500
    bill = TaxBillFactory(schedule=[(today + 10 * DAYS, 100000)])

    # when
    with pytest.raises(PaymentInvalid) as refused:
        bill_payment_start(bill=bill, choice=PARTIAL, amount_cents=2499, email="a@example.com")

    # then
    assert "at least $25.00" in refused.value.errors["amount"]
    assert not Invoice.objects.exists()


def test_a_balance_under_the_minimum_may_be_paid_in_full(today, settings):
    settings.TAXES_MINIMUM_PARTIAL_PAYMENT_CENTS = 2500
    bill = TaxBillFactory(schedule=[(today + 10 * DAYS, 1000)])

    invoice = bill_payment_start(
        bill=bill, choice=PARTIAL, amount_cents=1000, email="a@example.com"
    )

    assert invoice.total_cents == 1000


def test_a_partial_payment_over_the_balance_is_refused(today):
    # given
    bill = TaxBillFactory(schedule=[(today + 10 * DAYS, 100000)])

    # when
    with pytest.raises(PaymentInvalid) as refused:
        bill_payment_start(bill=bill, choice=PARTIAL, amount_cents=100001, email="a@example.com")

    # then
    assert "more than is owed today ($1,000.00)" in refused.value.errors["amount"]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    ("choice", "amount", "email", "field"),
    [
        ("next9", None, "a@example.com", "choice"),
        (PARTIAL, None, "a@example.com", "amount"),
        (YEAR, None, "", "email"),
    ],
)
def test_an_unknown_choice_a_missing_amount_or_e_mail_is_refused(
    today, choice, amount, email, field
):
    bill = TaxBillFactory(schedule=[(today + 10 * DAYS, 100000)])

    with pytest.raises(PaymentInvalid) as refused:
        bill_payment_start(bill=bill, choice=choice, amount_cents=amount, email=email)

    assert field in refused.value.errors


def test_a_paid_bill_cannot_be_paid_again(today):
    bill = TaxBillFactory(schedule=[(today + 10 * DAYS, 100000)])
    pay_locally(bill_payment_start(bill=bill, choice=YEAR, email="a@example.com"))

    with pytest.raises(PaymentInvalid) as refused:
        bill_payment_start(bill=bill, choice=YEAR, email="a@example.com")

    assert "Nothing is owed" in refused.value.errors[None]


def test_a_settlement_replayed_or_sent_twice_applies_once(today):
    # given: a paid invoice
    bill = TaxBillFactory(schedule=[(today + 10 * DAYS, 100000), (today + 100 * DAYS, 100000)])
    invoice = pay_locally(bill_payment_start(bill=bill, choice="next1", email="a@example.com"))
    rows = InstalmentPayment.objects.count()

    # when: the signal comes again, and the service is called again
    invoice_status_changed.send(
        sender=Invoice,
        invoice_id=invoice.pk,
        reference=invoice.reference,
        purpose=invoice.purpose,
        subject_type="taxes.taxbill",
        subject_id=bill.pk,
        old_status=InvoiceStatus.OPEN,
        new_status=InvoiceStatus.PAID,
        amount_paid_cents=invoice.amount_paid_cents,
        amount_refunded_cents=0,
    )
    again = bill_invoice_paid(
        invoice_id=invoice.pk,
        bill_id=bill.pk,
        amount_cents=invoice.amount_paid_cents,
        started_at=invoice.created_at,
    )

    # then
    assert BillPayment.objects.filter(invoice_id=invoice.pk).count() == 1
    assert again.amount_cents == 100000
    assert InstalmentPayment.objects.count() == rows
    assert principal_paid(bill) == [100000, 0]


def test_a_payment_started_before_the_due_date_and_completed_after_it_is_on_time(today, penalty):
    # given: an instalment due 20 days ago (weekends and holidays included), a payment of its
    # $1,000.00 started the day before
    bill = TaxBillFactory(schedule=[(today - 20 * DAYS, 100000)])
    invoice = bill_payment_start(
        bill=bill, choice=PARTIAL, amount_cents=100000, email="a@example.com"
    )
    Invoice.objects.filter(pk=invoice.pk).update(created_at=timezone.now() - 21 * DAYS)

    # when: it completes today
    pay_locally(invoice)

    # then: no penalty, nothing owed
    instalment = bill.instalments.get()
    assert (instalment.principal_paid_cents, instalment.penalty_paid_cents) == (100000, 0)
    assert InstalmentPayment.objects.get().paid_on == today - 21 * DAYS
    assert bill_payoff(bill=bill, on=today).total_cents == 0


def test_a_payment_started_after_the_due_date_pays_the_penalty_first(today, penalty):
    bill = TaxBillFactory(schedule=[(today - 20 * DAYS, 100000)])

    invoice = pay_locally(bill_payment_start(bill=bill, choice=YEAR, email="a@example.com"))

    instalment = bill.instalments.get()
    assert invoice.total_cents == 105000
    assert (instalment.principal_paid_cents, instalment.penalty_paid_cents) == (100000, 5000)
