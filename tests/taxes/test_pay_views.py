"""Paying from the bill's page: only once the second factor opened the bill; refusals keep
what was typed; any input gets an answer, never a server error."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from payments.models import Invoice
from taxes.charges import agency_date
from tests.taxes.factories import OwnerFactory, ParcelFactory, TaxBillFactory

pytestmark = pytest.mark.django_db
DAYS = datetime.timedelta(days=1)


@pytest.fixture
def bill():
    today = agency_date(timezone.now())
    parcel = ParcelFactory(number="10-000777", situs_address="7 OAK STREET")
    OwnerFactory(parcel=parcel, name="Ana Núñez", last_name="Núñez")
    return TaxBillFactory(
        parcel=parcel,
        number="2026-0000777",
        schedule=[(today + 10 * DAYS, 100000), (today + 100 * DAYS, 100000)],
    )


@pytest.fixture
def opened(client, bill):
    client.post(reverse("taxes:bill", args=[bill.number]), {"factor": "Núñez"})
    return client


def pay_url(bill):
    return reverse("taxes:pay", args=[bill.number])


def test_without_the_second_factor_there_is_no_pay_form_and_paying_is_refused(client, bill):
    # when
    page = client.get(reverse("taxes:bill", args=[bill.number])).content.decode()
    response = client.post(pay_url(bill), {"choice": "year", "email": "a@example.com"})

    # then
    assert pay_url(bill) not in page
    assert response.status_code == 302
    assert response.url == reverse("taxes:bill", args=[bill.number])
    assert not Invoice.objects.exists()


def test_the_opened_bill_offers_instalments_the_year_or_a_partial_amount(opened, bill):
    page = opened.get(reverse("taxes:bill", args=[bill.number])).content.decode()

    assert pay_url(bill) in page
    assert "Instalment 1: $1,000.00" in page
    assert "The whole year: everything owed: $2,000.00" in page
    assert "A partial payment" in page
    assert "penalties and interest first, then the oldest instalment" in page


@pytest.mark.parametrize(("typed", "cents"), [("1,250.50", 125050), ("$75", 7500)])
def test_a_guest_pays_a_partial_amount_typed_as_people_type_it(opened, bill, typed, cents):
    # when
    response = opened.post(
        pay_url(bill), {"choice": "partial", "amount": typed, "email": "ana@example.com"}
    )

    # then: off to the gateway with an invoice of that amount
    invoice = Invoice.objects.get()
    assert response.status_code == 303
    assert invoice.total_cents == cents
    assert invoice.guest_email == "ana@example.com"


def test_a_signed_in_resident_pays_with_no_e_mail_to_give(opened, bill, resident):
    opened.force_login(resident)

    response = opened.post(pay_url(bill), {"choice": "next1"})

    assert response.status_code == 303
    assert Invoice.objects.get().payer == resident


@pytest.mark.parametrize(
    ("amount", "message"),
    [("10", "A partial payment is at least $25.00."), ("5,000", "more than is owed today")],
)
def test_a_refused_amount_says_why_and_keeps_what_was_typed(opened, bill, amount, message):
    # when
    response = opened.post(
        pay_url(bill), {"choice": "partial", "amount": amount, "email": "ana@example.com"}
    )

    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert f'value="{amount}"' in page
    assert 'value="ana@example.com"' in page
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"choice": "next9"},
        {"choice": "partial"},
        {"choice": "partial", "amount": "abc", "email": "a@example.com"},
        {"choice": "partial", "amount": "-5", "email": "a@example.com"},
        {"choice": "partial", "amount": "1e999", "email": "a@example.com"},
        {"choice": "partial", "amount": "99999999999999999999", "email": "a@example.com"},
        {"choice": "partial", "amount": "1.005", "email": "a@example.com"},
        {"choice": "partial", "amount": "25\u200b", "email": "a@example.com"},
        {"choice": "year", "email": "not an address"},
        {"choice": ["year", "partial"], "email": "a@example.com", "amount": ["1", "2"]},
        {"choice": "\x00", "email": "\x00"},
    ],
)
def test_arbitrary_input_is_answered_never_with_a_server_error(opened, bill, data):
    response = opened.post(pay_url(bill), data)

    assert response.status_code in (303, 400)


def test_a_get_of_the_pay_address_goes_back_to_the_bill(opened, bill):
    response = opened.get(pay_url(bill))
    assert response.status_code == 302
