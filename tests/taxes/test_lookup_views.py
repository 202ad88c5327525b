"""The public tax bill look-up: found by parcel number, bill number or address; shown in
full only after the owner's last name or the access code; rate limited."""

import datetime

import pytest
from django.urls import reverse

from tests.taxes.factories import OwnerFactory, ParcelFactory, TaxBillFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("taxes:search")


@pytest.fixture
def bill():
    parcel = ParcelFactory(number="10-000123", situs_address="12 ELM STREET")
    OwnerFactory(parcel=parcel, name="Ana María Núñez", last_name="Núñez")
    return TaxBillFactory(parcel=parcel, number="2026-0000123", escrow_lender="")


@pytest.mark.parametrize("query", ["10-000123", "2026-0000123", " 2026-0000123 ", "12 elm"])
def test_a_bill_is_found_by_parcel_number_bill_number_or_address(client, bill, query):
    # when
    response = client.get(SEARCH, {"query": query})

    # then: the numbers and address only, never the owner
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("taxes:bill", args=[bill.number]) in page
    assert "12 ELM STREET" in page
    assert "Núñez" not in page


def test_nothing_found_says_so(client, bill):
    response = client.get(SEARCH, {"query": "99 NOWHERE"})
    assert "No bill found" in response.content.decode()


def test_the_bill_asks_for_a_second_factor_and_shows_no_owner_or_amount(client, bill):
    # when
    response = client.get(reverse("taxes:bill", args=[bill.number]))

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "enter the owner's last name or the access code" in page
    assert "Núñez" not in page and "$1,000.00" not in page


@pytest.mark.parametrize("factor", ["nunez", "NÚÑEZ", "  Núñez "])
def test_the_owners_last_name_opens_the_bill(client, bill, factor):
    # when
    response = client.post(reverse("taxes:bill", args=[bill.number]), {"factor": factor})

    # then
    assert response.status_code == 302
    page = client.get(reverse("taxes:bill", args=[bill.number])).content.decode()
    assert "Ana María Núñez" in page
    assert "$2,000.00" in page


def test_the_access_code_opens_the_bill(client, bill):
    response = client.post(
        reverse("taxes:bill", args=[bill.number]), {"factor": bill.access_code_printed.lower()}
    )
    assert response.status_code == 302


def test_a_wrong_factor_is_refused_with_a_clear_message(client, bill):
    # when
    response = client.post(reverse("taxes:bill", args=[bill.number]), {"factor": "Smith"})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["factor"] == [
        "That is not the owner's last name or the bill's access code. Check it against the bill."
    ]
    assert "Ana María" not in response.content.decode()


def test_wrong_factors_count_against_the_rate_limit(client, bill, settings):
    # given
    settings.TAXES_FACTOR_ATTEMPTS_PER_15_MINUTES = 2
    url = reverse("taxes:bill", args=[bill.number])
    client.post(url, {"factor": "Smith"})
    client.post(url, {"factor": "Jones"})

    # when: even the right name, once over the limit
    response = client.post(url, {"factor": "Núñez"})

    # then
    assert response.status_code == 429
    assert "Too many attempts." in response.content.decode()


def test_searches_are_rate_limited(client, bill, settings):
    settings.TAXES_LOOKUP_PER_MINUTE = 1
    client.get(SEARCH, {"query": "12 elm"})
    response = client.get(SEARCH, {"query": "12 elm"})
    assert response.status_code == 429


def test_an_escrowed_bill_warns_before_paying(client, bill):
    bill.escrow_lender = "First Mortgage Bank"
    bill.save()
    client.post(reverse("taxes:bill", args=[bill.number]), {"factor": "Núñez"})
    page = client.get(reverse("taxes:bill", args=[bill.number])).content.decode()
    assert "Payment expected from First Mortgage Bank" in page


def test_the_opened_bill_shows_the_pay_off_with_penalties(client, bill, settings):
    # given: rules, and the first instalment long past due
    from taxes.models import PenaltyRule

    PenaltyRule.objects.create(kind="penalty", days_past_due=0, percent="5")
    bill.instalments.filter(sequence=1).update(due_date=datetime.date(2020, 3, 31))
    client.post(reverse("taxes:bill", args=[bill.number]), {"factor": "Núñez"})

    # when
    page = client.get(reverse("taxes:bill", args=[bill.number])).content.decode()

    # then
    assert "$50.00" in page  # 5% of $1,000.00
    assert "penalties and interest first, then the oldest instalment" in page


def test_an_unknown_bill_is_not_found(client):
    assert client.get(reverse("taxes:bill", args=["NOPE"])).status_code == 404


def test_the_look_up_is_in_the_service_catalogue(client):
    # when
    response = client.get("/", {"q": "property tax"})

    # then
    assert response.status_code == 200
    assert reverse("taxes:search") in response.content.decode()


def test_the_address_search_has_a_trigram_index_wherever_pg_trgm_is_available():
    # The index is created only where the server offers pg_trgm (not the embedded server):
    # where it does, the address search's LIKE '%...%' must be able to use it.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'")
        available = cursor.fetchone()[0] == 1
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'taxes_parcel_address_trgm'"
        )
        index = cursor.fetchone()
    assert (index is not None) == available
    if index is not None:
        assert "gin_trgm_ops" in index[0] and "upper" in index[0].lower()
