"""The demo roll: a few hundred parcels with bills, one escrowed, one delinquent, one partly
paid; loaded once; and the hint seed_demo prints."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from taxes import demo
from taxes.charges import agency_date
from taxes.models import Instalment, Parcel, PenaltyRule, TaxBill
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
