"""The demo roll: a few hundred parcels with bills, one escrowed, one delinquent, one partly
paid; loaded once; the demo lender with its member and its escrow file; and the hint
seed_demo prints."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, LENDER
from accounts.models import User
from taxes import demo
from taxes.charges import agency_date
from taxes.models import (
    BillEvent,
    BillEventKind,
    EscrowFile,
    EscrowFileStatus,
    Instalment,
    Lender,
    Parcel,
    PenaltyRule,
    TaxBill,
)
from taxes.selectors import bill_payoff

pytestmark = pytest.mark.django_db


def test_the_demo_roll_loads_once_with_its_special_parcels():
    # when
    demo.seed()
    demo.seed()

    # then
    today = agency_date(timezone.now())
    assert Parcel.objects.count() == demo.PARCELS
    assert TaxBill.objects.filter(tax_year=today.year).count() == demo.PARCELS
    tried = TaxBill.objects.get(parcel__number=demo.TRY_PARCEL)
    assert tried.parcel.owners.get().last_name == demo.TRY_LAST_NAME
    escrowed = TaxBill.objects.get(parcel__number=demo.ESCROWED)
    assert escrowed.escrow_lender == "First Mortgage Bank"
    late = TaxBill.objects.get(parcel__number=demo.DELINQUENT, tax_year=today.year - 1)
    payoff = bill_payoff(bill=late, on=today)
    assert payoff.penalty_cents > 0 and payoff.interest_cents > 0
    partly = Instalment.objects.get(
        bill__parcel__number=demo.PARTLY_PAID, bill__tax_year=today.year, sequence=1
    )
    assert 0 < partly.principal_paid_cents < partly.principal_cents
    assert PenaltyRule.objects.count() == 3


def test_seed_demo_prints_a_parcel_and_last_name_to_try(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert f"Property tax: parcel {demo.TRY_PARCEL}, owner's last name {demo.TRY_LAST_NAME}" in out


def lender_snapshot() -> dict:
    """What the lender part of the demo creates, that a second run must leave as it is."""
    return {
        "users": sorted(User.objects.values_list("email", "password")),
        "lenders": sorted(Lender.objects.values_list("name", "members__email")),
        "files": sorted(
            EscrowFile.objects.values_list(
                "lender__name", "tax_year", "status", "bills_marked", "rows__bill__number"
            )
        ),
        "escrowed": sorted(
            TaxBill.objects.exclude(escrow_lender="").values_list("number", "escrow_lender")
        ),
        "events": BillEvent.objects.filter(kind=BillEventKind.ESCROWED).count(),
    }


def test_the_demo_lender_escrows_its_parcel_through_its_own_file_once():
    # given
    demo.seed()
    before = lender_snapshot()

    # when
    demo.seed()

    # then
    assert lender_snapshot() == before
    lender = Lender.objects.get(name=demo.LENDER)
    member = lender.members.get()
    assert member.email == LENDER.email and member.check_password(DEMO_PASSWORD)
    assert not member.is_staff
    escrow_file = EscrowFile.objects.get()
    assert escrow_file.lender == lender and escrow_file.uploaded_by == member
    assert escrow_file.status == EscrowFileStatus.APPLIED and escrow_file.bills_marked == 1
    bill = TaxBill.objects.get(parcel__number=demo.ESCROWED)
    assert escrow_file.rows.get().bill == bill
    # The roll names no lender: the file marked the bill, with an entry on its timeline.
    assert TaxBill.objects.exclude(escrow_lender="").get() == bill
    assert BillEvent.objects.get(kind=BillEventKind.ESCROWED).bill == bill


def test_the_demo_lenders_member_opens_the_escrow_and_bulk_payers_pages(client):
    # given
    demo.seed()
    client.force_login(User.objects.get(email=LENDER.email))
    escrow_file = EscrowFile.objects.get()

    # when
    escrow = client.get(reverse("taxes:escrow_files"))
    escrow_detail = client.get(reverse("taxes:escrow_file", args=[escrow_file.pk]))
    batches = client.get(reverse("taxes:batches"))

    # then
    assert escrow.status_code == 200
    assert escrow_file.file_name in escrow.content.decode()
    assert escrow_detail.status_code == 200
    assert demo.ESCROWED in escrow_detail.content.decode()
    assert batches.status_code == 200
    assert reverse("taxes:escrow_files") in batches.content.decode()


def test_seed_demo_prints_the_lenders_sign_in(settings, capsys):
    # given
    settings.DEBUG = True

    # when
    call_command("seed_demo")

    # then
    out = capsys.readouterr().out
    assert f"Mortgage lender      {LENDER.email}" in out
    assert f"{LENDER.email} is a member of {demo.LENDER}" in out
