"""Bulk payers' batches (taxes.services.batches): a file of parcels and amounts, checked
against the bills (bad rows refused whole, discrepancies kept), paid once, each bill settled
by its row's amount when the payment settles."""

import datetime

import pytest
from django.utils import timezone

from payments.models import InvoiceStatus
from taxes.charges import agency_date
from taxes.exceptions import BatchRefused
from taxes.models import BillPayment, PaymentBatch, PaymentBatchLine
from taxes.selectors import YEAR, bill_payoff
from taxes.services.batches import batch_invoice_paid, batch_payment_start, batch_upload
from taxes.services.checkout import bill_payment_start
from tests.taxes.factories import ParcelFactory, TaxBillFactory
from tests.taxes.payers import csv_file, pay_locally

pytestmark = pytest.mark.django_db
DAYS = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return agency_date(timezone.now())


@pytest.fixture
def bills(today):
    """Three escrowed bills of $1,000.00 each, one instalment due in a month."""
    return [
        TaxBillFactory(
            parcel=ParcelFactory(number=f"20-00000{n}"),
            schedule=[(today + 30 * DAYS, 100000)],
            escrow_lender="First Bank",
        )
        for n in (1, 2, 3)
    ]


def test_a_clean_file_is_saved_ready_to_pay_with_no_discrepancy(resident, bills):
    batch = batch_upload(
        stream=csv_file("20-000001,1000.00", '20-000002,"$1,000"', "20-000003,1000"),
        file_name="escrow.csv",
        payer=resident,
    )

    assert (batch.total_cents, batch.status) == (300000, "ready")
    assert list(batch.lines.values_list("row", "amount_cents", "due_cents", "discrepancy")) == [
        (2, 100000, 100000, ""),
        (3, 100000, 100000, ""),
        (4, 100000, 100000, ""),
    ]


def test_amounts_other_than_due_and_bills_already_paid_are_reported(resident, bills):
    # given: the third bill was paid by its owner
    pay_locally(bill_payment_start(bill=bills[2], choice=YEAR, email="owner@example.com"))

    # when
    batch = batch_upload(
        stream=csv_file("20-000001,1000.00", "20-000002,900.00", "20-000003,1000.00"),
        file_name="escrow.csv",
        payer=resident,
    )

    # then
    assert list(batch.lines.values_list("discrepancy", "due_cents")) == [
        ("", 100000),
        ("amount", 100000),
        ("paid", 0),
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["20-000001,1000.00", "99-999999,10.00"], [(3, "Parcel 99-999999 is unknown")]),
        (["20-000001,-5.00"], [(2, "Parcel 20-000001: the amount “-5.00” is refused")]),
        (["20-000001,abc"], [(2, "Parcel 20-000001: the amount “abc” is refused")]),
        (["20-000001,0"], [(2, "Parcel 20-000001: the amount must be more than zero")]),
        (["20-000001,10", "20-000001,10"], [(3, "The parcel 20-000001 is on row 2 already")]),
        ([",10.00"], [(2, "The parcel number is missing")]),
        (["20-000001,$1,000.00"], [(2, "The row has more cells than the header")]),
        (["bad parcel!,10.00"], [(2, "Parcel number “BAD PARCEL!” is not valid")]),
    ],
)
def test_a_file_with_bad_rows_is_refused_whole_with_each_row_named(resident, bills, rows, expected):
    with pytest.raises(BatchRefused) as refused:
        batch_upload(stream=csv_file(*rows), file_name="bad.csv", payer=resident)

    assert [
        (row, message[: len(text)])
        for (row, message), (_, text) in zip(refused.value.errors, expected, strict=True)
    ] == expected
    assert PaymentBatch.objects.count() == 0
    assert PaymentBatchLine.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (
            b"parcel,total\n20-000001,10\n",
            "The header needs the columns parcel_number and amount \\(missing: amount\\)",
        ),
        (b"parcel_number,amount\n", "The file has a header but no rows."),
        ("parcel_number,amount\n20-000001,10\xa0\n".encode("latin-1"), "The file is not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_batch_is_refused(resident, bills, content, message):
    import io

    with pytest.raises(BatchRefused, match=message):
        batch_upload(stream=io.BytesIO(content), file_name="x.csv", payer=resident)
    assert PaymentBatch.objects.count() == 0


def test_paying_the_batch_settles_each_bill_by_its_share_once(resident, bills, today):
    # given
    batch = batch_upload(
        stream=csv_file("20-000001,1000.00", "20-000002,400.00", "20-000003,1000.00"),
        file_name="escrow.csv",
        payer=resident,
    )

    # when
    invoice = pay_locally(batch_payment_start(batch=batch, payer=resident))
    batch_invoice_paid(invoice_id=invoice.pk, batch_id=batch.pk, started_at=invoice.created_at)

    # then: one invoice for the total; each bill paid by its row, once
    batch.refresh_from_db()
    assert (invoice.total_cents, invoice.status, batch.status) == (240000, "paid", "paid")
    assert [bill_payoff(bill=bill, on=today).total_cents for bill in bills] == [0, 60000, 0]
    assert list(
        BillPayment.objects.filter(invoice_id=invoice.pk)
        .order_by("bill_id")
        .values_list("amount_cents", "credit_cents", "batch_id")
    ) == [(100000, 0, batch.pk), (40000, 0, batch.pk), (100000, 0, batch.pk)]


def test_a_lender_paying_a_bill_the_owner_paid_leaves_a_credit_on_its_share(resident, bills, today):
    batch = batch_upload(stream=csv_file("20-000001,1000.00"), file_name="e.csv", payer=resident)
    pay_locally(bill_payment_start(bill=bills[0], choice=YEAR, email="owner@example.com"))

    invoice = pay_locally(batch_payment_start(batch=batch, payer=resident))

    share = BillPayment.objects.get(invoice_id=invoice.pk)
    assert (share.credit_cents, share.batch_id) == (100000, batch.pk)


def test_a_second_click_takes_the_same_invoice_and_a_paid_batch_is_refused(resident, bills):
    batch = batch_upload(stream=csv_file("20-000001,1000"), file_name="e.csv", payer=resident)
    first = batch_payment_start(batch=batch, payer=resident)

    assert batch_payment_start(batch=batch, payer=resident).pk == first.pk
    pay_locally(first)
    assert first.status == InvoiceStatus.PAID
    with pytest.raises(BatchRefused, match="paid already"):
        batch_payment_start(batch=batch, payer=resident)


def test_the_same_file_sent_again_takes_the_batch_still_to_pay(resident, bills):
    # given: a double click on "upload", or the file sent again the next morning
    rows = ("20-000001,1000.00", "20-000002,1000.00")
    first = batch_upload(stream=csv_file(*rows), file_name="e.csv", payer=resident)

    # when
    again = batch_upload(stream=csv_file(*rows), file_name="e (1).csv", payer=resident)

    # then: one batch to pay, so the bills cannot be paid twice from it
    assert again.pk == first.pk
    assert PaymentBatch.objects.filter(payer=resident).count() == 1


def test_the_same_file_after_its_batch_was_paid_is_a_new_batch_that_reports_it_paid(
    resident, bills
):
    first = batch_upload(stream=csv_file("20-000001,1000.00"), file_name="e.csv", payer=resident)
    pay_locally(batch_payment_start(batch=first, payer=resident))

    again = batch_upload(stream=csv_file("20-000001,1000.00"), file_name="e.csv", payer=resident)

    assert again.pk != first.pk
    assert list(again.lines.values_list("discrepancy", flat=True)) == ["paid"]


def test_another_payer_sending_the_same_file_has_their_own_batch(resident, other_resident, bills):
    first = batch_upload(stream=csv_file("20-000001,1000.00"), file_name="e.csv", payer=resident)

    theirs = batch_upload(
        stream=csv_file("20-000001,1000.00"), file_name="e.csv", payer=other_resident
    )

    assert theirs.pk != first.pk and theirs.payer == other_resident


def test_the_database_keeps_one_batch_to_pay_per_payer_and_file(resident, bills):
    from django.db import IntegrityError, transaction

    first = batch_upload(stream=csv_file("20-000001,1000.00"), file_name="e.csv", payer=resident)

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatch.objects.create(
            payer=resident, file_name="e.csv", file_sha256=first.file_sha256, total_cents=1
        )


def test_a_batch_paid_twice_keeps_the_second_payment_as_credits(resident, bills):
    # given: the first invoice's checkout began just before the invoice's day ran out, and
    # the payer, back after it ran out, was given a second invoice and paid it
    from payments import services as payments
    from tests.taxes.payers import CANCEL, SUCCESS

    now = timezone.now()
    batch = batch_upload(
        stream=csv_file("20-000001,1000.00", "20-000002,400.00"), file_name="e.csv", payer=resident
    )
    first = batch_payment_start(
        batch=batch, payer=resident, now=now - datetime.timedelta(hours=23, minutes=55)
    )
    slow = payments.payment_attempt_start(invoice=first, success_url=SUCCESS, cancel_url=CANCEL)
    second = pay_locally(
        batch_payment_start(batch=batch, payer=resident, now=now + datetime.timedelta(minutes=6))
    )
    assert second.pk != first.pk and second.status == InvoiceStatus.PAID

    # when: the first checkout completes too
    payments.payment_local_complete(payment=slow, approved=True)

    # then: the money of both is on the bills; what the bills no longer owed is credits
    first.refresh_from_db()
    assert first.status == InvoiceStatus.PAID
    assert sorted(
        BillPayment.objects.filter(batch=batch).values_list(
            "invoice_id", "bill_id", "amount_cents", "credit_cents"
        )
    ) == sorted(
        [
            (second.pk, bills[0].pk, 100000, 0),
            (second.pk, bills[1].pk, 40000, 0),
            (first.pk, bills[0].pk, 100000, 100000),
            (first.pk, bills[1].pk, 40000, 0),  # $600 was still owed
        ]
    )


def test_a_replayed_settlement_of_a_paid_batch_applies_nothing_more(resident, bills):
    batch = batch_upload(stream=csv_file("20-000001,1000.00"), file_name="e.csv", payer=resident)
    invoice = pay_locally(batch_payment_start(batch=batch, payer=resident))

    batch_invoice_paid(invoice_id=invoice.pk, batch_id=batch.pk, started_at=invoice.created_at)

    assert BillPayment.objects.filter(batch=batch).count() == 1


def test_a_replaced_batch_is_not_paid_again_but_an_invoice_issued_before_still_settles_it(
    resident, bills
):
    # given: a second unpaid batch of one file, issued an invoice, then marked replaced by
    # taxes 0012 (the oldest batch of the file stays to pay)
    rows = ("20-000001,1000.00",)
    first = batch_upload(stream=csv_file(*rows), file_name="e.csv", payer=resident)
    PaymentBatch.objects.filter(pk=first.pk).update(status="replaced")
    duplicate = batch_upload(stream=csv_file(*rows), file_name="e.csv", payer=resident)
    issued = batch_payment_start(batch=duplicate, payer=resident)
    PaymentBatch.objects.filter(pk=duplicate.pk).update(status="replaced")
    PaymentBatch.objects.filter(pk=first.pk).update(status="ready")

    # when / then: it is not paid from its page any more
    with pytest.raises(BatchRefused, match="replaced by an earlier upload"):
        batch_payment_start(batch=duplicate, payer=resident)

    # when: the invoice issued before is paid all the same
    pay_locally(issued)

    # then: its money is applied to its bill, never lost
    duplicate.refresh_from_db()
    assert duplicate.status == "paid"
    assert BillPayment.objects.get(batch=duplicate).amount_cents == 100000
