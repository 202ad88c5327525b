"""The taxes tables' invariants, held by the database itself."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from taxes.models import BillLine, Instalment, LineKind, PenaltyRule, TaxBill
from tests.taxes.factories import OwnerFactory, ParcelFactory, TaxBillFactory

pytestmark = pytest.mark.django_db


def _refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        fields.pop("model").objects.create(**fields)


def test_a_parcel_number_is_unique_and_upper_case():
    # given
    ParcelFactory(number="12-345")

    # then
    _refused(model=type(ParcelFactory()), number="12-345", situs_address="x")
    _refused(model=type(ParcelFactory()), number="12-abc", situs_address="x")


def test_a_parcel_has_several_owners_one_per_position():
    # given
    parcel = ParcelFactory()
    OwnerFactory(parcel=parcel, position=1)
    OwnerFactory(parcel=parcel, position=2, name="Sam Rivera")

    # then
    assert [owner.name for owner in parcel.owners.all()] == ["Pat Rivera", "Sam Rivera"]
    with pytest.raises(IntegrityError), transaction.atomic():
        OwnerFactory(parcel=parcel, position=2)


def test_one_bill_per_parcel_and_year_and_bill_numbers_are_unique():
    # given
    bill = TaxBillFactory()

    # then
    with pytest.raises(IntegrityError), transaction.atomic():
        TaxBillFactory(parcel=bill.parcel, tax_year=bill.tax_year)
    with pytest.raises(IntegrityError), transaction.atomic():
        TaxBillFactory(number=bill.number)


def test_a_new_bill_gets_a_random_access_code_compared_in_constant_time():
    # given
    first, second = TaxBillFactory(), TaxBillFactory()

    # then
    assert len(first.access_code) == 12 and first.access_code != second.access_code
    printed = first.access_code_printed
    assert printed.count("-") == 2
    assert first.access_code_matches(printed.lower())
    assert first.access_code_matches(f" {first.access_code} ")
    assert not first.access_code_matches(second.access_code)
    assert not first.access_code_matches("")


@pytest.mark.parametrize(
    ("kind", "cents"),
    [(LineKind.LEVY, -1), (LineKind.EXEMPTION, 1), (LineKind.ADJUSTMENT, 0), ("other", 5)],
)
def test_a_line_amount_has_its_kind_sign(kind, cents):
    bill = TaxBillFactory(schedule=[])
    _refused(model=BillLine, bill=bill, kind=kind, district="COUNTY", amount_cents=cents)


@pytest.mark.parametrize(
    ("kind", "cents"),
    [(LineKind.LEVY, 0), (LineKind.EXEMPTION, -500), (LineKind.ADJUSTMENT, -1)],
)
def test_lines_of_the_right_sign_are_kept(kind, cents):
    bill = TaxBillFactory(schedule=[])
    BillLine.objects.create(bill=bill, kind=kind, district="COUNTY", amount_cents=cents)


@pytest.mark.parametrize(
    "fields",
    [
        {"sequence": 0},
        {"sequence": 5},
        {"amount_cents": -1},
        {"amount_cents": 100, "adjustment_cents": -101},
        {"principal_paid_cents": -1},
    ],
)
def test_an_instalment_keeps_its_ranges(fields):
    bill = TaxBillFactory(schedule=[])
    values = {"sequence": 1, "due_date": datetime.date(2026, 3, 31), "amount_cents": 100}
    _refused(model=Instalment, bill=bill, **{**values, **fields})


def test_one_instalment_per_sequence():
    bill = TaxBillFactory()
    _refused(
        model=Instalment,
        bill=bill,
        sequence=1,
        due_date=datetime.date(2026, 4, 1),
        amount_cents=5,
    )


def test_one_active_interest_rule_and_percents_in_range():
    PenaltyRule.objects.create(kind="interest", percent="1")
    _refused(model=PenaltyRule, kind="interest", days_past_due=30, percent="1.5")
    _refused(model=PenaltyRule, kind="penalty", days_past_due=0, percent="0")
    _refused(model=PenaltyRule, kind="penalty", days_past_due=0, percent="101")


def test_a_bill_cannot_be_deleted_while_it_has_lines():
    bill = TaxBillFactory()
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017
        TaxBill.objects.filter(pk=bill.pk).delete()


def test_a_bill_event_is_indexed_once_by_its_bill():
    # The unique (bill, key) index serves the bill's timeline; the bill needs no other.
    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'taxes_billevent' ORDER BY indexname"
        )
        definitions = [row[0] for row in cursor.fetchall()]

    # then
    assert len(definitions) == 2
    assert "UNIQUE INDEX taxes_bill_event_once" in definitions[0]
    assert "(bill_id, key)" in definitions[0]
    assert "_pkey" in definitions[1]


def test_a_bill_inserted_in_sql_without_a_roll_digest_gets_an_empty_one():
    # Set-based loads (the benchmarks' rolls) insert bills in SQL and name only what they know.
    # given
    parcel = ParcelFactory()

    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO taxes_taxbill (parcel_id, tax_year, number, access_code, escrow_lender,"
            " created_at, updated_at) VALUES (%s, 2026, 'SQL-1', 'ABCDEF123456', '', now(),"
            " now()) RETURNING id",
            [parcel.pk],
        )
        bill_id = cursor.fetchone()[0]

    # then
    assert TaxBill.objects.get(pk=bill_id).roll_digest == ""
