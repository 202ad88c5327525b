"""Paying several instalments at once: the bill offers the next one, the next two, three...
and the whole year; choosing "the next k" pays every penalty and interest, then the
principal of the k oldest instalments, and leaves the rest owed."""

import datetime

import pytest
from django.utils import timezone

from payments.models import InvoiceStatus
from taxes.charges import agency_date
from taxes.models import PenaltyRule
from taxes.selectors import YEAR, bill_pay_options
from taxes.services.checkout import bill_payment_start
from tests.taxes.factories import TaxBillFactory
from tests.taxes.test_checkout import pay_locally

pytestmark = pytest.mark.django_db
DAYS = datetime.timedelta(days=1)


def test_the_options_are_the_next_one_two_three_and_the_year_with_their_amounts():
    # given: four $500.00 instalments still to come
    today = agency_date(timezone.now())
    bill = TaxBillFactory(schedule=[(today + n * 60 * DAYS, 50000) for n in range(1, 5)])

    # when
    options = bill_pay_options(bill=bill, on=today)

    # then
    assert [(option.key, option.label, option.amount_cents) for option in options] == [
        ("next1", "Instalment 1", 50000),
        ("next2", "Instalments 1 to 2", 100000),
        ("next3", "Instalments 1 to 3", 150000),
        (YEAR, "The whole year: everything owed", 200000),
    ]


def test_paying_the_next_two_pays_the_penalty_and_two_oldest_and_leaves_the_rest():
    # given: four $500.00 instalments, the first 40 days past due with a 5% penalty
    PenaltyRule.objects.create(kind="penalty", days_past_due=0, percent="5")
    today = agency_date(timezone.now())
    bill = TaxBillFactory(
        schedule=[
            (today - 40 * DAYS, 50000),
            (today + 60 * DAYS, 50000),
            (today + 120 * DAYS, 50000),
            (today + 180 * DAYS, 50000),
        ]
    )

    # when
    invoice = pay_locally(bill_payment_start(bill=bill, choice="next2", email="a@example.com"))

    # then: $25.00 penalty and $1,000.00 principal paid; instalments 3 and 4 still owed
    assert (invoice.status, invoice.total_cents) == (InvoiceStatus.PAID, 2500 + 100000)
    paid = list(
        bill.instalments.order_by("sequence").values_list(
            "principal_paid_cents", "penalty_paid_cents"
        )
    )
    assert paid == [(50000, 2500), (50000, 0), (0, 0), (0, 0)]
    assert [option.key for option in bill_pay_options(bill=bill, on=today)] == ["next1", YEAR]
