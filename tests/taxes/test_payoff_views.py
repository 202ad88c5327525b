"""The opened bill's pay-off for a date the reader chooses: principal, penalty, interest and
early-payment discount as the agency's rules give them that day, from a form that needs no
JavaScript; a date it cannot answer for is refused with a clear message."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from taxes.charges import agency_date
from taxes.models import PenaltyRule
from tests.taxes.factories import OwnerFactory, ParcelFactory, TaxBillFactory

pytestmark = pytest.mark.django_db


def _today() -> datetime.date:
    return agency_date(timezone.now())


@pytest.fixture
def opened_bill(client):
    """A bill of two $1,000.00 instalments, the first due in three weeks, opened by its
    owner's last name; 5% penalty once an instalment is past due."""
    PenaltyRule.objects.create(kind="penalty", days_past_due=0, percent="5")
    parcel = ParcelFactory(number="10-000777", situs_address="7 OAK STREET")
    OwnerFactory(parcel=parcel, name="Lee Chen", last_name="Chen")
    today = _today()
    bill = TaxBillFactory(
        parcel=parcel,
        number="2026-0000777",
        escrow_lender="",
        schedule=[
            (today + datetime.timedelta(days=21), 100000),
            (today + datetime.timedelta(days=200), 100000),
        ],
    )
    client.post(reverse("taxes:bill", args=[bill.number]), {"factor": "Chen"})
    return bill


def test_the_pay_off_for_a_chosen_date_adds_what_is_owed_that_day(client, opened_bill):
    # given: a day well after the first instalment's due date (past any weekend shift)
    chosen = _today() + datetime.timedelta(days=40)
    url = reverse("taxes:bill", args=[opened_bill.number])

    # when
    today_page = client.get(url)
    response = client.get(url, {"payoff_on": chosen.isoformat()})

    # then: today nothing is late; that day the first instalment carries 5%
    assert today_page.status_code == 200
    assert "chosen_payoff" not in today_page.context
    assert response.status_code == 200
    payoff = response.context["chosen_payoff"]
    assert payoff.on == chosen
    assert (payoff.principal_cents, payoff.penalty_cents, payoff.interest_cents) == (
        200000,
        5000,
        0,
    )
    assert payoff.total_cents == 205000
    page = response.content.decode()
    assert 'id="chosen-payoff"' in page and "$2,050.00" in page
    # what may be paid now is still today's
    assert [option.amount_cents for option in response.context["pay_options"]] == [
        100000,
        200000,
    ]


def test_the_pay_off_for_today_is_the_same_as_the_page_shows(client, opened_bill):
    response = client.get(
        reverse("taxes:bill", args=[opened_bill.number]), {"payoff_on": _today().isoformat()}
    )

    assert response.status_code == 200
    assert response.context["chosen_payoff"].total_cents == response.context["payoff"].total_cents


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter the date of the pay-off."),
        ("next friday", "Enter the date as year-month-day, for example 2027-01-15."),
        ("2026-02-30", "Enter the date as year-month-day, for example 2027-01-15."),
        ("past", "Choose today or a later date."),
        ("far", "Choose a date within the next two years."),
    ],
)
def test_a_date_the_page_cannot_answer_for_is_refused_clearly(client, opened_bill, value, message):
    # given
    today = _today()
    value = {
        "past": (today - datetime.timedelta(days=1)).isoformat(),
        "far": (today + datetime.timedelta(days=731)).isoformat(),
    }.get(value, value)

    # when
    response = client.get(reverse("taxes:bill", args=[opened_bill.number]), {"payoff_on": value})

    # then: the bill again, with the error and no pay-off for a date
    assert response.status_code == 400
    assert "chosen_payoff" not in response.context
    page = response.content.decode()
    assert message in page
    assert page.count("Error:") >= 1
    assert response.context["payoff_form"].errors


def test_the_last_day_two_years_ahead_is_answered(client, opened_bill):
    last = _today() + datetime.timedelta(days=730)

    response = client.get(
        reverse("taxes:bill", args=[opened_bill.number]), {"payoff_on": last.isoformat()}
    )

    assert response.status_code == 200
    assert response.context["chosen_payoff"].on == last


def test_without_the_second_factor_no_pay_off_is_shown(client, opened_bill):
    # given: another browser, which has not given the owner's last name
    client.logout()
    chosen = _today() + datetime.timedelta(days=40)

    # when
    response = client.get(
        reverse("taxes:bill", args=[opened_bill.number]), {"payoff_on": chosen.isoformat()}
    )

    # then: the factor page, no amount
    assert response.status_code == 200
    assert "chosen_payoff" not in response.context
    assert "$2,050.00" not in response.content.decode()
