"""Taxes migrations that change rows, run from the schema before them on rows as they were."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets=None):
    """To `targets`, or (None) to the latest migration of every app, as the tests' models."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_after():
    """Whatever happens in the test, leave the database at the latest migration."""
    yield
    _migrate()


def _bills(apps, count: int):
    Parcel = apps.get_model("taxes", "Parcel")
    TaxBill = apps.get_model("taxes", "TaxBill")
    bills = []
    for n in range(1, count + 1):
        parcel = Parcel.objects.create(number=f"40-00000{n}", situs_address=f"{n} Elm Street")
        bills.append(
            TaxBill.objects.create(
                parcel=parcel, tax_year=2026, number=f"2026-4000{n}", access_code=f"{n:012d}"
            )
        )
    return bills


# --- 0011: past imports' new lender conflicts, counted from the timelines -------------------


def test_0011_counts_each_past_imports_new_lender_conflicts_from_the_timelines(
    latest_schema_after,
):
    # given: three imports before 0011; the first recorded two conflicts, the second one (and
    # changed a lender, which is no conflict), the third none
    old = _migrate([("taxes", "0010_bill_event_lender_kinds")])
    RollImport = old.get_model("taxes", "RollImport")
    BillEvent = old.get_model("taxes", "BillEvent")
    first, second, third = (
        RollImport.objects.create(file_name=f"roll-{n}.csv", file_sha256=f"{n}" * 64)
        for n in (1, 2, 3)
    )
    one, two, three = _bills(old, 3)

    def conflict(bill, roll_import, key):
        BillEvent.objects.create(
            bill=bill,
            kind="lender_conflict",
            key=f"lender-conflict:{key}",
            data={"lender": "First Bank", "roll_lender": "Other Bank", "roll_import": roll_import},
        )

    conflict(one, first.pk, "a")
    conflict(two, first.pk, "a")
    conflict(three, second.pk, "b")
    BillEvent.objects.create(
        bill=one,
        kind="lender_changed",
        key=f"lender:{second.pk}",
        data={"from": "", "to": "Third Bank", "roll_import": second.pk},
    )
    BillEvent.objects.create(bill=two, kind="reminder", key="reminder:1", data={})

    # when
    new = _migrate([("taxes", "0011_roll_import_lender_conflicts")])

    # then: the new conflicts each import recorded; how many rows it listed was not kept
    counts = new.get_model("taxes", "RollImport").objects.values_list(
        "pk", "lender_conflicts_new", "lender_conflicts"
    )
    assert sorted(counts) == [(first.pk, 2, 0), (second.pk, 1, 0), (third.pk, 0, 0)]


# --- 0012: one unpaid batch per payer and file ----------------------------------------------


def _batch(apps, payer, sha256, *, status="ready", age_days=0):
    import datetime

    from django.utils import timezone

    PaymentBatch = apps.get_model("taxes", "PaymentBatch")
    batch = PaymentBatch.objects.create(
        payer_id=payer.pk,
        file_name="escrow.csv",
        file_sha256=sha256,
        total_cents=100000,
        status=status,
        paid_at=timezone.now() if status == "paid" else None,
    )
    PaymentBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=age_days)
    )
    return batch.pk


def test_0012_keeps_the_oldest_unpaid_batch_of_a_file_and_marks_the_others_replaced(
    latest_schema_after,
):
    # given: before 0012, a lender sent one file three times (three unpaid batches, the
    # oldest first sent last week) after paying it once, and another file once
    from tests.accounts.factories import UserFactory

    old = _migrate([("taxes", "0011_roll_import_lender_conflicts")])
    lender, other = UserFactory(), UserFactory()
    (bill,) = _bills(old, 1)
    paid = _batch(old, lender, "a" * 64, status="paid", age_days=30)
    oldest = _batch(old, lender, "a" * 64, age_days=7)
    second = _batch(old, lender, "a" * 64, age_days=1)
    third = _batch(old, lender, "a" * 64)
    another_file = _batch(old, lender, "b" * 64)
    another_payer = _batch(old, other, "a" * 64)
    old.get_model("taxes", "PaymentBatchLine").objects.create(
        batch_id=second, row=2, bill=bill, amount_cents=100000, due_cents=100000
    )

    # when
    new = _migrate([("taxes", "0012_batch_one_ready_per_file")])

    # then: every batch kept with its rows; one ready per payer and file
    PaymentBatch = new.get_model("taxes", "PaymentBatch")
    assert dict(PaymentBatch.objects.values_list("pk", "status")) == {
        paid: "paid",
        oldest: "ready",
        second: "replaced",
        third: "replaced",
        another_file: "ready",
        another_payer: "ready",
    }
    assert new.get_model("taxes", "PaymentBatchLine").objects.get().batch_id == second
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatch.objects.filter(pk=second).update(status="ready")


def test_0020_gives_a_database_that_ran_0012_before_it_had_replaced_batches_its_constraints(
    latest_schema_after,
):
    # given: at 0019, the status constraints 0012 wrote when it knew no "replaced" batch
    from django.db import IntegrityError, transaction

    from tests.accounts.factories import UserFactory

    old = _migrate([("taxes", "0019_bill_roll_digest_db_default")])
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE taxes_paymentbatch DROP CONSTRAINT taxes_batch_status_valid, "
            "DROP CONSTRAINT taxes_batch_paid_at, "
            "ADD CONSTRAINT taxes_batch_status_valid CHECK (status IN ('ready', 'paid')), "
            "ADD CONSTRAINT taxes_batch_paid_at CHECK ((status = 'ready' AND paid_at IS NULL) "
            "OR (status = 'paid' AND paid_at IS NOT NULL))"
        )
    batch = _batch(old, UserFactory(), "c" * 64)

    # when
    new = _migrate([("taxes", "0020_batch_replaced_status")])

    # then: a batch may be replaced, and still not paid without a date
    PaymentBatch = new.get_model("taxes", "PaymentBatch")
    PaymentBatch.objects.filter(pk=batch).update(status="replaced")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatch.objects.filter(pk=batch).update(status="paid")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatch.objects.filter(pk=batch).update(status="unknown")


# --- 0021: refund ids of credit refunds asked for before 0015 --------------------------------


def test_0021_fills_the_refund_ids_of_earlier_credit_refunds_where_they_are_certain(
    latest_schema_after,
):
    # given: three credits refunded before refund ids were kept (0015): one whose refund
    # Stripe refused later (stuck "being refunded"), one refunded, and one on a lender's
    # batch invoice that carries two credits
    import datetime

    from django.utils import timezone

    from payments.models import Refund
    from taxes.charges import agency_date
    from taxes.models import BillPayment, CreditRefund
    from taxes.payer_selectors import credits_to_refund
    from taxes.selectors import YEAR
    from taxes.services.batches import batch_payment_start, batch_upload
    from taxes.services.checkout import bill_payment_start
    from taxes.services.credits import credit_refund
    from tests.accounts.factories import UserFactory
    from tests.taxes.factories import ParcelFactory, TaxBillFactory
    from tests.taxes.payers import csv_file, pay_locally

    due = agency_date(timezone.now()) + datetime.timedelta(days=30)

    def credit(number):
        bill = TaxBillFactory(parcel=ParcelFactory(number=number), schedule=[(due, 100000)])
        started = [
            bill_payment_start(bill=bill, choice=YEAR, email=email)
            for email in ("owner@example.com", "spouse@example.com")
        ]
        for invoice in started:
            pay_locally(invoice)
        return bill

    refused_bill, refunded_bill = credit("50-000001"), credit("50-000002")
    refused = credit_refund(
        bill_payment_id=BillPayment.objects.get(bill=refused_bill, credit_cents__gt=0).pk
    )
    refunded = credit_refund(
        bill_payment_id=BillPayment.objects.get(bill=refunded_bill, credit_cents__gt=0).pk
    )
    Refund.objects.filter(pk__in=refused.refund_ids).update(status="failed")
    lender = UserFactory()
    batch = batch_upload(
        stream=csv_file("50-000001,1000.00", "50-000002,1000.00"), file_name="e.csv", payer=lender
    )
    pay_locally(batch_payment_start(batch=batch, payer=lender))
    on_batch = CreditRefund.objects.create(
        bill_payment=BillPayment.objects.filter(batch=batch).order_by("pk").first(),
        amount_cents=100000,
    )
    refused_ids, refunded_ids = refused.refund_ids, refunded.refund_ids
    _migrate([("taxes", "0020_batch_replaced_status")])
    CreditRefund.objects.update(status="pending", refund_ids=[], failure="")

    # when
    _migrate()

    # then: the refused one failed, with why, and is listed to refund again; the refunded one
    # is refunded; the batch's is left pending with a note for staff
    rows = {row.pk: row for row in CreditRefund.objects.all()}
    assert (rows[refused.pk].status, rows[refused.pk].refund_ids) == ("failed", refused_ids)
    assert rows[refused.pk].failure == "The payment service refused the refund."
    assert (rows[refunded.pk].status, rows[refunded.pk].refund_ids) == ("refunded", refunded_ids)
    assert (rows[on_batch.pk].status, rows[on_batch.pk].refund_ids) == ("pending", [])
    assert "could not be told apart" in rows[on_batch.pk].failure
    listed = [payment.pk for payment in credits_to_refund()]
    assert refused.bill_payment_id in listed
    assert on_batch.bill_payment_id not in listed and refunded.bill_payment_id not in listed


# --- 0024: refund ids of a lender's batch credit refunds asked for before 0015 ---------------


def test_0024_matches_a_batch_invoices_earlier_credit_refunds_by_their_bills_numbers(
    latest_schema_after,
):
    # given: a lender's batch paid two bills their owners had paid: two credits on one
    # invoice, each refunded before refund ids were kept (0015); Stripe later refused the
    # first one's refund
    import datetime

    from django.utils import timezone

    from payments.models import Refund
    from taxes.charges import agency_date
    from taxes.models import BillPayment, CreditRefund
    from taxes.payer_selectors import credits_to_refund
    from taxes.selectors import YEAR
    from taxes.services.batches import batch_payment_start, batch_upload
    from taxes.services.checkout import bill_payment_start
    from taxes.services.credits import credit_refund
    from tests.accounts.factories import StaffFactory, UserFactory
    from tests.taxes.factories import ParcelFactory, TaxBillFactory
    from tests.taxes.payers import csv_file, pay_locally

    due = agency_date(timezone.now()) + datetime.timedelta(days=30)
    for number in ("60-000001", "60-000002"):
        bill = TaxBillFactory(
            parcel=ParcelFactory(number=number), number=f"2026-{number}", schedule=[(due, 100000)]
        )
        pay_locally(bill_payment_start(bill=bill, choice=YEAR, email="owner@example.com"))
    lender = UserFactory()
    batch = batch_upload(
        stream=csv_file("60-000001,1000.00", "60-000002,1000.00"), file_name="e.csv", payer=lender
    )
    pay_locally(batch_payment_start(batch=batch, payer=lender))
    cashier = StaffFactory(roles=["cashier"])
    first, second = (
        credit_refund(bill_payment_id=payment.pk, actor=cashier, by_staff=True)
        for payment in BillPayment.objects.filter(batch=batch).order_by("bill__number")
    )
    Refund.objects.filter(pk__in=first.refund_ids).update(status="failed")
    first_ids, second_ids = first.refund_ids, second.refund_ids
    assert first_ids and second_ids and set(first_ids).isdisjoint(second_ids)
    _migrate([("taxes", "0020_batch_replaced_status")])
    CreditRefund.objects.update(status="pending", refund_ids=[], failure="")

    # when
    _migrate()

    # then: each has its own refunds, told apart by the bill number in their reason: the
    # refused one failed, with why, and is listed to refund again; the other is refunded
    rows = {row.pk: row for row in CreditRefund.objects.all()}
    assert (rows[first.pk].status, rows[first.pk].refund_ids) == ("failed", first_ids)
    assert rows[first.pk].failure == "The payment service refused the refund."
    assert (rows[second.pk].status, rows[second.pk].refund_ids) == ("refunded", second_ids)
    assert rows[second.pk].failure == ""
    listed = [payment.pk for payment in credits_to_refund()]
    assert first.bill_payment_id in listed and second.bill_payment_id not in listed
