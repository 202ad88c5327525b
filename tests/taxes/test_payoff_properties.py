"""The bill page's pay-off date, typed or tampered with: any value is a pay-off or a clear
refusal on the field, never a server error, and what was typed comes back."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from taxes.charges import agency_date
from taxes.models import PenaltyRule
from tests.hostile import VALUES, fuzz, keeps_what_was_typed, no_server_error
from tests.taxes.factories import OwnerFactory, ParcelFactory, TaxBillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened_bill(client):
    PenaltyRule.objects.create(kind="penalty", days_past_due=0, percent="5")
    parcel = ParcelFactory(number="10-000778", situs_address="8 OAK STREET")
    OwnerFactory(parcel=parcel, name="Lee Chen", last_name="Chen")
    today = agency_date(timezone.now())
    bill = TaxBillFactory(
        parcel=parcel,
        number="2026-0000778",
        escrow_lender="",
        schedule=[(today + datetime.timedelta(days=21), 100000)],
    )
    client.post(reverse("taxes:bill", args=[bill.number]), {"factor": "Chen"})
    return bill


_DATES = st.one_of(
    VALUES,
    st.dates().map(lambda day: day.isoformat()),
    st.integers(min_value=-800, max_value=800).map(
        lambda days: (agency_date(timezone.now()) + datetime.timedelta(days=days)).isoformat()
    ),
)


@fuzz(max_examples=80)
@given(payoff_on=_DATES, payment=st.one_of(st.none(), VALUES))
def test_any_pay_off_date_is_answered_without_a_server_error(
    client, opened_bill, payoff_on, payment
):
    query = {"payoff_on": payoff_on}
    if payment is not None:
        query["payment"] = payment
    response = client.get(reverse("taxes:bill", args=[opened_bill.number]), query)
    no_server_error(response)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.context["payoff_form"].errors
    keeps_what_was_typed(response, {"payoff_on": payoff_on}, form_key="payoff_form")


def test_a_pay_off_link_to_a_bill_not_yet_opened_keeps_its_date_through_the_owners_name(client):
    # given: a link to a bill's pay-off for a date, opened by someone who has not yet given
    # the owner's last name
    today = agency_date(timezone.now())
    parcel = ParcelFactory(number="10-000779", situs_address="9 OAK STREET")
    OwnerFactory(parcel=parcel, name="Lee Chen", last_name="Chen")
    bill = TaxBillFactory(
        parcel=parcel,
        number="2026-0000779",
        escrow_lender="",
        schedule=[(today + datetime.timedelta(days=21), 100000)],
    )
    chosen = (today + datetime.timedelta(days=40)).isoformat()
    url = reverse("taxes:bill", args=[bill.number])
    asked = client.get(url, {"payoff_on": chosen})
    action = re.search(r'<form method="post" action="([^"]+)"', asked.content.decode()).group(1)

    # when: the owner's last name is given in the form the page shows
    answered = client.post(html.unescape(action), {"factor": "Chen"})
    shown = client.get(answered["Location"])

    # then: the bill opens on the pay-off for that date
    assert answered.status_code == 302
    assert shown.status_code == 200
    assert shown.context["chosen_payoff"].on.isoformat() == chosen
