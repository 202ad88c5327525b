"""Applying a payment to a bill (taxes.services.payments) and its pay-off (selectors), with the
agency's rules from the database."""

import datetime

import pytest

from taxes.models import DiscountRule, InstalmentPayment, PenaltyRule
from taxes.selectors import bill_payoff
from taxes.services.payments import bill_payment_apply
from tests.taxes.factories import TaxBillFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def rules():
    PenaltyRule.objects.create(kind="penalty", days_past_due=0, percent="5")
    PenaltyRule.objects.create(kind="penalty", days_past_due=30, percent="10")
    PenaltyRule.objects.create(kind="interest", days_past_due=0, percent="1")
    DiscountRule.objects.create(months_before_due=4, percent="4")


def test_a_late_partial_payment_is_applied_and_the_pay_off_follows(rules):
    # given: $1,000.00 due March 31 and September 30, nothing paid by May 1st
    bill = TaxBillFactory()
    first = bill.instalments.get(sequence=1)

    # when: $420.00 paid on May 1st
    application = bill_payment_apply(bill=bill, amount_cents=42000, paid_on=D(2026, 5, 1))

    # then: $100 penalty and $20 interest first, then $300 of the first instalment
    assert application.left_over_cents == 0
    first.refresh_from_db()
    assert (first.penalty_paid_cents, first.interest_paid_cents, first.principal_paid_cents) == (
        10000,
        2000,
        30000,
    )
    assert InstalmentPayment.objects.filter(instalment=first, paid_on=D(2026, 5, 1)).exists()
    # June 1st: another month of interest on the $700 still unpaid; no new penalty
    payoff = bill_payoff(bill=bill, on=D(2026, 6, 1))
    assert (payoff.principal_cents, payoff.penalty_cents, payoff.interest_cents) == (
        170000,
        0,
        700,
    )


def test_paying_early_in_full_takes_the_discount_and_leaves_nothing_owed(rules):
    # given
    bill = TaxBillFactory(schedule=[(D(2026, 3, 31), 100000)])

    # when: in November, 4% off
    application = bill_payment_apply(bill=bill, amount_cents=96000, paid_on=D(2025, 11, 20))

    # then
    assert application.left_over_cents == 0
    assert bill_payoff(bill=bill, on=D(2026, 12, 31)).total_cents == 0


def test_an_overpayment_is_left_over_for_a_credit(rules):
    bill = TaxBillFactory(schedule=[(D(2026, 3, 31), 100000)])
    application = bill_payment_apply(bill=bill, amount_cents=150000, paid_on=D(2026, 3, 1))
    assert application.left_over_cents == 50000
