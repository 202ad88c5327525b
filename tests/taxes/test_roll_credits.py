"""A corrected roll lowering an instalment below what was already paid on it: the difference
becomes a credit on the payment that paid it (taxes.services.roll), refunded in one click
like a duplicate payment's (taxes.services.credits)."""

import pytest

from taxes.models import BillEvent, BillPayment, CreditRefund, Instalment, TaxBill
from taxes.selectors import YEAR, bill_payoff, instalment_states
from taxes.services.checkout import PARTIAL, bill_payment_start
from taxes.services.credits import credit_refund
from taxes.services.roll import roll_import
from tests.taxes.payers import pay_locally
from tests.taxes.roll_files import parcel, roll

pytestmark = pytest.mark.django_db(transaction=True)

# Parcel 1 bills $2,000.00 in two instalments of $1,000.00; this roll lowers the first to
# $600.00 (the county levy $400.00 lower).
LOWERED = {"levy_COUNTY": "1100.00", "instalment_1_amount": "600.00"}


def _import(*rows, dry_run=False):
    return roll_import(stream=roll(*rows), file_name="corrected.csv", dry_run=dry_run)


def _paid(email="owner@example.com"):
    bill = TaxBill.objects.get(number="2026-000001")
    invoice = pay_locally(bill_payment_start(bill=bill, choice=YEAR, email=email))
    return BillPayment.objects.get(invoice_id=invoice.pk)


def _instalment(sequence):
    return Instalment.objects.get(bill__number="2026-000001", sequence=sequence)


def test_a_dry_run_says_what_will_become_a_credit_and_changes_nothing():
    # given: the whole year paid
    _import(parcel(1), parcel(2))
    payment = _paid()

    # when
    report = _import(parcel(1, **LOWERED), parcel(2), dry_run=True)

    # then
    assert report.error_count == 0, report.errors
    assert (report.credit_count, report.credit_cents) == (1, 40000)
    assert report.credits == [
        (
            2,
            "Bill 2026-000001: instalment 1 was paid $400.00 more than the roll now bills "
            "for it. That becomes a credit the payer can have refunded.",
        )
    ]
    payment.refresh_from_db()
    assert payment.credit_cents == 0
    assert _instalment(1).principal_paid_cents == 100000


def test_an_instalment_lowered_below_what_was_paid_leaves_the_difference_as_a_credit():
    # given: the whole year paid
    _import(parcel(1), parcel(2))
    payment = _paid()

    # when
    report = _import(parcel(1, **LOWERED), parcel(2))

    # then: the instalment is paid exactly, the $400.00 paid beyond it is the payment's credit
    assert report.applied, report.errors
    assert (report.credit_count, report.credit_cents) == (1, 40000)
    first = _instalment(1)
    assert (first.principal_cents, first.principal_paid_cents) == (60000, 60000)
    assert _instalment(2).principal_paid_cents == 100000
    payment.refresh_from_db()
    assert payment.credit_cents == 40000
    # what the pay page reads agrees: nothing owed, nothing counted twice
    [state, _] = instalment_states(instalments=[first, _instalment(2)])
    assert sum(cents for _, cents in state.principal_payments) == 60000
    assert bill_payoff(bill=first.bill, on=first.due_date).principal_cents == 0
    # the bill's timeline says so, for the owner
    event = BillEvent.objects.get(bill=first.bill, kind="roll_credit")
    assert (event.data["sequence"], event.data["cents"]) == (1, 40000)


def test_the_credit_is_refunded_in_one_click_as_a_duplicate_payment_is():
    # given
    _import(parcel(1), parcel(2))
    payment = _paid()
    _import(parcel(1, **LOWERED), parcel(2))

    # when: the owner refunds it
    refund = credit_refund(bill_payment_id=payment.pk, bill_id=payment.bill_id)

    # then
    assert (refund.status, refund.amount_cents) == ("refunded", 40000)


def test_importing_the_corrected_roll_again_credits_nothing_more():
    # given
    _import(parcel(1), parcel(2))
    payment = _paid()
    _import(parcel(1, **LOWERED), parcel(2))

    # when
    report = _import(parcel(1, **LOWERED), parcel(2))

    # then
    assert report.applied and (report.credit_count, report.credit_cents) == (0, 0)
    payment.refresh_from_db()
    assert payment.credit_cents == 40000
    assert BillEvent.objects.filter(kind="roll_credit").count() == 1


def _started(amount_cents=None, email="owner@example.com"):
    bill = TaxBill.objects.get(number="2026-000001")
    if amount_cents is None:
        return bill_payment_start(bill=bill, choice=YEAR, email=email)
    return bill_payment_start(bill=bill, choice=PARTIAL, amount_cents=amount_cents, email=email)


def _settled(invoice):
    pay_locally(invoice)
    return BillPayment.objects.get(invoice_id=invoice.pk)


def test_the_latest_payment_takes_the_credit_first():
    # given: $500.00 paid on the first instalment, then the rest of the year
    _import(parcel(1), parcel(2))
    earlier = _settled(_started(50000))
    later = _settled(_started(email="spouse@example.com"))

    # when: the roll lowers the first instalment to $600.00
    _import(parcel(1, **LOWERED), parcel(2))

    # then: the latest payment's share of that instalment ($500.00) takes the $400.00
    earlier.refresh_from_db()
    later.refresh_from_db()
    assert (earlier.credit_cents, later.credit_cents) == (0, 40000)


def _paid_with_a_refunded_credit(first_cents):
    """$`first_cents` paid on the first instalment, and the whole year paid by someone who
    started before that payment settled: their payment paid the rest and left a credit,
    refunded."""
    earlier_invoice = _started(first_cents)
    later_invoice = _started(email="spouse@example.com")
    earlier, later = _settled(earlier_invoice), _settled(later_invoice)
    credit_refund(bill_payment_id=later.pk, bill_id=later.bill_id)
    return earlier, later


def test_a_payment_whose_credit_refund_was_asked_takes_no_more_credit():
    # given: $500.00, then $1,500.00 of principal and a credit of $500.00, refunded
    _import(parcel(1), parcel(2))
    earlier, later = _paid_with_a_refunded_credit(50000)

    # when
    report = _import(parcel(1, **LOWERED), parcel(2))

    # then: the earlier payment takes the $400.00; the refunded one is left as it was
    assert report.applied, report.errors
    earlier.refresh_from_db()
    later.refresh_from_db()
    assert (earlier.credit_cents, later.credit_cents) == (40000, 50000)
    assert CreditRefund.objects.count() == 1


def test_an_overpayment_no_payment_can_take_as_a_credit_is_refused_and_changes_nothing():
    # given: $200.00, then $1,800.00 of principal and a credit of $200.00, refunded
    _import(parcel(1), parcel(2))
    earlier, _ = _paid_with_a_refunded_credit(20000)
    before = list(Instalment.objects.values_list("pk", "adjustment_cents", "principal_paid_cents"))

    # when: the first instalment lowered to $100.00: $900.00 paid beyond it, $200.00 of
    # which the earlier payment can take
    report = _import(parcel(1, levy_COUNTY="600.00", instalment_1_amount="100.00"), parcel(2))

    # then
    assert not report.applied
    assert report.errors == [
        (
            2,
            "Bill 2026-000001: instalment 1 was paid $900.00 more than the roll now bills for "
            "it, and only $200.00 of that can become a credit (the rest was paid by a payment "
            "whose credit refund was already asked for, or not paid online). Check the roll "
            "with the assessor before importing it.",
        )
    ]
    earlier.refresh_from_db()
    assert earlier.credit_cents == 0
    assert before == list(
        Instalment.objects.values_list("pk", "adjustment_cents", "principal_paid_cents")
    )
