"""Settling the roll's conflict with an escrow file's lender (taxes.services.lenders): the
clerk keeps the file's lender or takes the roll's, with a reason, once; and a lender changed
in the admin is on the bill's timeline."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError

from taxes import selectors_staff
from taxes.ebill_selectors import bill_timeline
from taxes.exceptions import LenderConflictRefused, LenderConflictSettledAlready
from taxes.models import BillEvent, TaxBill
from taxes.services.lenders import bill_lender_change, lender_conflict_settle
from tests.taxes.lender_support import conflicting_bill, import_the_conflicting_roll_again
from tests.taxes.roll_files import parcel, roll
from tests.taxes.staff_support import other_staff, tax_staff

pytestmark = pytest.mark.django_db


def _settle(bill, conflict, *, keep="file", reason="Both lenders agree", actor=None):
    return lender_conflict_settle(
        bill=bill, conflict_id=conflict.pk, keep=keep, reason=reason, actor=actor or tax_staff()
    )


def _lender_kinds(bill):
    return list(
        bill.events.filter(kind__startswith="lender").order_by("created_at", "id")
        .values_list("kind", flat=True)
    )  # fmt: skip


def test_keeping_the_files_lender_records_who_why_and_closes_the_conflict():
    # given
    bill, conflict = conflicting_bill()
    clerk = tax_staff()

    # when
    settled = _settle(bill, conflict, reason="  Second Savings  sold the loan back ", actor=clerk)

    # then: the lender stays, the settlement is audited, the conflict is no longer open
    bill.refresh_from_db()
    assert bill.escrow_lender == "First Mortgage Bank"
    assert (settled.kind, settled.actor, settled.key) == (
        "lender_settled",
        clerk,
        f"lender-settled:{conflict.pk}",
    )
    assert settled.data == {
        "conflict": conflict.pk,
        "kept": "file",
        "lender": "First Mortgage Bank",
        "roll_lender": "Second Savings",
        "reason": "Second Savings sold the loan back",
    }
    assert settled.created_at is not None
    assert selectors_staff.lender_conflict_for_staff(bill=bill) is None
    assert _lender_kinds(bill) == ["lender_conflict", "lender_settled"]
    # the owner's timeline does not show the staff's settlement
    assert "lender_settled" not in [event.kind for event in bill_timeline(bill=bill)]

    # when: the same roll again (the assessor has not corrected it yet)
    again = import_the_conflicting_roll_again()

    # then: listed for staff to check, but no new conflict opens and the lender stays
    assert again.note_count == 1
    bill.refresh_from_db()
    assert bill.escrow_lender == "First Mortgage Bank"
    assert selectors_staff.lender_conflict_for_staff(bill=bill) is None


def test_taking_the_rolls_lender_changes_it_for_the_owner_and_the_roll_is_followed_after():
    # given
    bill, conflict = conflicting_bill()
    clerk = tax_staff()

    # when
    settled = _settle(bill, conflict, keep="roll", reason="The loan moved", actor=clerk)

    # then: the roll's lender, written as a change the owner reads too
    bill.refresh_from_db()
    assert bill.escrow_lender == "Second Savings"
    assert settled.data["kept"] == "roll"
    change = bill.events.get(kind="lender_changed")
    assert (change.actor, change.data) == (
        clerk,
        {"from": "First Mortgage Bank", "to": "Second Savings", "settled": settled.pk},
    )
    assert [event.kind for event in bill_timeline(bill=bill)][-1] == "lender_changed"

    # when: a later roll names a third lender
    from taxes.services.roll import roll_import

    report = roll_import(stream=roll(parcel(1, escrow_lender="Third Trust")), file_name="r.csv")

    # then: no conflict: the file's lender no longer holds the bill
    bill.refresh_from_db()
    assert (report.note_count, bill.escrow_lender) == (0, "Third Trust")


def test_a_second_submit_settles_nothing_more():
    bill, conflict = conflicting_bill()
    _settle(bill, conflict, keep="roll")

    with pytest.raises(LenderConflictSettledAlready, match="no longer open"):
        _settle(bill, conflict, keep="file")

    bill.refresh_from_db()
    assert bill.escrow_lender == "Second Savings"
    assert BillEvent.objects.filter(kind="lender_settled").count() == 1


def test_the_database_refuses_a_second_settlement_of_one_conflict():
    bill, conflict = conflicting_bill()
    _settle(bill, conflict)

    with pytest.raises(IntegrityError):
        BillEvent.objects.create(
            bill=bill,
            kind="lender_settled",
            key=f"lender-settled:{conflict.pk}",
            actor=tax_staff(),
        )


def test_the_database_refuses_a_settlement_that_does_not_say_who():
    bill, _conflict = conflicting_bill()

    with pytest.raises(IntegrityError, match="taxes_bill_event_settled_by_someone"):
        BillEvent.objects.create(bill=bill, kind="lender_settled", key="lender-settled:x")


@pytest.mark.parametrize(
    ("keep", "reason", "field", "message"),
    [
        ("both", "Agreed", "keep", "Choose the lender the bill keeps."),
        ("file", "   ", "reason", "Give the reason"),
        ("file", "x" * 201, "reason", "Keep the reason to 200 characters."),
    ],
)
def test_bad_choices_are_refused_and_change_nothing(keep, reason, field, message):
    bill, conflict = conflicting_bill()

    with pytest.raises(LenderConflictRefused, match=message) as refused:
        _settle(bill, conflict, keep=keep, reason=reason)

    assert refused.value.field == field
    assert selectors_staff.lender_conflict_for_staff(bill=bill) == conflict


def test_a_conflict_that_is_not_the_open_one_is_refused():
    bill, conflict = conflicting_bill()

    with pytest.raises(LenderConflictSettledAlready):
        lender_conflict_settle(
            bill=bill, conflict_id=conflict.pk + 1000, keep="file", reason="x", actor=tax_staff()
        )
    assert not BillEvent.objects.filter(kind="lender_settled").exists()


@pytest.mark.parametrize(
    "who",
    [lambda: other_staff(), lambda: tax_staff("cashier"), lambda: tax_staff("inspector")],
    ids=["clerk of another department", "cashier", "inspector"],
)
def test_only_staff_who_may_decide_for_the_tax_office_settle(who):
    bill, conflict = conflicting_bill()

    with pytest.raises(PermissionDenied):
        _settle(bill, conflict, actor=who())

    assert selectors_staff.lender_conflict_for_staff(bill=bill) == conflict


def test_a_lender_changed_in_the_admin_is_on_the_timeline_and_closes_the_conflict():
    bill, _conflict = conflicting_bill()
    administrator = tax_staff("administrator")

    event = bill_lender_change(
        bill=bill, lender=" Second Savings ", actor=administrator, reason=" Loan sold "
    )
    unchanged = bill_lender_change(
        bill=bill, lender="Second Savings", actor=administrator, reason="Loan sold"
    )

    bill.refresh_from_db()
    assert bill.escrow_lender == "Second Savings"
    assert (event.kind, event.actor, event.data) == (
        "lender_changed",
        administrator,
        {"from": "First Mortgage Bank", "to": "Second Savings", "reason": "Loan sold"},
    )
    assert unchanged is None
    assert BillEvent.objects.filter(kind="lender_changed", actor__isnull=False).count() == 1
    assert selectors_staff.lender_conflict_for_staff(bill=bill) is None
    assert TaxBill.objects.filter(escrow_lender="Second Savings").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_clerks_settling_at_once_settle_it_once():
    import threading

    from django.db import connection

    # given: two clerks submit at the same moment, one for each lender
    bill, conflict = conflicting_bill()
    clerks = {"file": tax_staff(), "roll": tax_staff()}
    start = threading.Barrier(2)
    outcomes = {}

    def settle(keep):
        try:
            start.wait()
            _settle(bill, conflict, keep=keep, actor=clerks[keep])
            outcomes[keep] = "settled"
        except LenderConflictSettledAlready:
            outcomes[keep] = "refused"
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=settle, args=(keep,)) for keep in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: one settled it, the other was told; one settlement, and the lender it chose
    assert sorted(outcomes.values()) == ["refused", "settled"]
    (winner,) = [keep for keep, outcome in outcomes.items() if outcome == "settled"]
    settled = BillEvent.objects.get(kind="lender_settled")
    assert (settled.actor, settled.data["kept"]) == (clerks[winner], winner)
    bill.refresh_from_db()
    expected = "First Mortgage Bank" if winner == "file" else "Second Savings"
    assert bill.escrow_lender == expected
