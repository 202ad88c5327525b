"""Staff's adjustments and abatements: what they change, what they refuse, and the audit."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from taxes.models import AdjustmentKind, BillAdjustment, BillLine, Instalment, LineKind
from taxes.services.adjustments import AdjustmentRefused, bill_adjust
from tests.taxes.factories import TaxBillFactory
from tests.taxes.staff_support import other_staff, tax_staff

pytestmark = pytest.mark.django_db


def first_instalment(bill) -> Instalment:
    return bill.instalments.get(sequence=1)


def test_an_abatement_lowers_the_instalment_with_a_line_and_an_audit_row():
    # given: $1,000.00 due on the first instalment
    bill = TaxBillFactory()
    clerk = tax_staff()

    # when
    adjustment = bill_adjust(
        bill=bill,
        instalment_id=first_instalment(bill).pk,
        kind=AdjustmentKind.ABATEMENT,
        amount_cents=-25000,
        reason="  Senior  relief granted ",
        actor=clerk,
    )

    # then
    instalment = first_instalment(bill)
    assert instalment.adjustment_cents == -25000
    assert instalment.principal_cents == 75000
    assert instalment.amount_cents == 100000  # what was billed is not rewritten
    line = BillLine.objects.get(bill=bill, kind=LineKind.ADJUSTMENT)
    assert (line.district, line.amount_cents, line.reason) == (
        "ABATEMENT",
        -25000,
        "Senior relief granted",
    )
    assert adjustment.line == line
    assert adjustment.made_by == clerk
    assert (adjustment.principal_before_cents, adjustment.principal_after_cents) == (
        100000,
        75000,
    )


def test_a_correction_may_raise_what_is_owed():
    bill = TaxBillFactory()

    bill_adjust(
        bill=bill,
        instalment_id=first_instalment(bill).pk,
        kind=AdjustmentKind.CORRECTION,
        amount_cents=1234,
        reason="Exemption applied in error",
        actor=tax_staff(),
    )

    assert first_instalment(bill).principal_cents == 101234


@pytest.mark.parametrize(
    ("abated", "accepted"),
    [(40000, True), (40001, False)],
    ids=["exactly what is unpaid", "a cent more"],
)
def test_an_abatement_is_at_most_the_principal_still_unpaid(abated, accepted):
    # given: $600.00 of the first instalment's $1,000.00 already paid
    bill = TaxBillFactory()
    Instalment.objects.filter(pk=first_instalment(bill).pk).update(principal_paid_cents=60000)

    # when
    def abate():
        return bill_adjust(
            bill=bill,
            instalment_id=first_instalment(bill).pk,
            kind=AdjustmentKind.ABATEMENT,
            amount_cents=-abated,
            reason="Disaster relief",
            actor=tax_staff(),
        )

    # then
    if accepted:
        abate()
        assert first_instalment(bill).principal_cents == 60000
    else:
        with pytest.raises(AdjustmentRefused, match="more than the principal still unpaid"):
            abate()
        assert first_instalment(bill).adjustment_cents == 0
        assert not BillLine.objects.filter(bill=bill, kind=LineKind.ADJUSTMENT).exists()
        assert not BillAdjustment.objects.exists()


@pytest.mark.parametrize(
    ("kind", "cents", "reason", "message"),
    [
        (AdjustmentKind.ABATEMENT, 500, "Relief", "An abatement lowers what is owed"),
        (AdjustmentKind.CORRECTION, 0, "Nothing", "other than zero"),
        (AdjustmentKind.CORRECTION, -500, "   ", "Give the reason"),
    ],
    ids=["abatement that adds", "zero", "blank reason"],
)
def test_bad_adjustments_are_refused_and_change_nothing(kind, cents, reason, message):
    bill = TaxBillFactory()

    with pytest.raises(AdjustmentRefused, match=message):
        bill_adjust(
            bill=bill,
            instalment_id=first_instalment(bill).pk,
            kind=kind,
            amount_cents=cents,
            reason=reason,
            actor=tax_staff(),
        )

    assert first_instalment(bill).adjustment_cents == 0
    assert not BillAdjustment.objects.exists()


def test_an_instalment_of_another_bill_is_refused():
    bill, other = TaxBillFactory(), TaxBillFactory()

    with pytest.raises(AdjustmentRefused, match="not on this bill"):
        bill_adjust(
            bill=bill,
            instalment_id=first_instalment(other).pk,
            kind=AdjustmentKind.ABATEMENT,
            amount_cents=-100,
            reason="Relief",
            actor=tax_staff(),
        )
    assert first_instalment(other).adjustment_cents == 0


@pytest.mark.parametrize(
    "who",
    [lambda: other_staff(), lambda: tax_staff("inspector"), lambda: tax_staff("cashier")],
    ids=["clerk of another department", "inspector", "cashier"],
)
def test_only_staff_who_may_decide_for_the_tax_office_adjust(who):
    bill = TaxBillFactory()

    with pytest.raises(PermissionDenied):
        bill_adjust(
            bill=bill,
            instalment_id=first_instalment(bill).pk,
            kind=AdjustmentKind.ABATEMENT,
            amount_cents=-100,
            reason="Relief",
            actor=who(),
        )
    assert first_instalment(bill).adjustment_cents == 0


def test_the_database_refuses_an_audit_row_that_does_not_add_up():
    bill = TaxBillFactory()
    line = BillLine.objects.create(
        bill=bill, kind=LineKind.ADJUSTMENT, district="ABATEMENT", amount_cents=-100
    )
    row = {
        "bill": bill,
        "instalment": first_instalment(bill),
        "line": line,
        "kind": AdjustmentKind.ABATEMENT,
        "amount_cents": -100,
        "reason": "Relief",
        "principal_before_cents": 100000,
        "principal_after_cents": 99900,
        "made_by": tax_staff(),
    }
    for changes in (
        {"principal_after_cents": 99000},
        {"amount_cents": 100, "principal_after_cents": 100100},
        {"reason": " "},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            BillAdjustment.objects.create(**{**row, **changes})
    BillAdjustment.objects.create(**row)
