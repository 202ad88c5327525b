"""The public bill look-up: a paper bill's number and a second factor (the billed person's
last name or the code printed on the bill), rate-limited, never a detail without the factor."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from payments.models import Invoice
from payments.services import LineItem, invoice_create
from payments.views import BILL_LOOKUP_LIMIT
from tests.hostile import fuzz, keeps_what_was_typed, no_server_error, params

pytestmark = pytest.mark.django_db

NOT_FOUND = "We could not find a bill with that number and that name or code."


def tax_bill(number="2026-004217", *, last_name="Núñez-O'Brien", code="K7Q-2PX", **kwargs):
    return invoice_create(
        purpose="taxes.property",
        description="Property tax 2026, first half",
        lines=[LineItem("Property tax", 123456)],
        guest_name="Ana Núñez-O'Brien",
        guest_email=kwargs.pop("guest_email", "ana@example.net"),
        external_number=number,
        lookup_code=code,
        billed_last_name=last_name,
        minimum_payment_cents=10000,
        notify=False,
        **kwargs,
    )


@pytest.fixture
def bill(settings):
    settings.PAYMENTS_GATEWAY = "local"
    return tax_bill()


def look_up(client, number, factor):
    return client.post(reverse("payments:bills"), {"number": number, "factor": factor})


@pytest.mark.parametrize(
    ("number", "factor"),
    [
        ("2026-004217", "Núñez-O'Brien"),
        ("2026004217", "nunez obrien"),  # printed dashes, accents and case do not matter
        (" 2026 004217 ", "k7q2px"),  # the code printed on the bill
    ],
)
def test_the_number_and_the_factor_open_the_bill(client, bill, number, factor):
    # when
    response = look_up(client, number, factor)

    # then
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert bill.reference in page.content.decode()


@pytest.mark.parametrize(
    ("number", "factor"),
    [
        ("2026-004217", "Smith"),  # wrong last name
        ("2026-004217", "K7Q-2PY"),  # wrong code
        ("2026-004218", "Núñez-O'Brien"),  # wrong number
        ("2026-004217", "Ana"),  # the first name is no factor
    ],
)
def test_a_wrong_number_or_factor_gets_one_generic_answer_and_no_detail(
    client, bill, number, factor
):
    # when
    response = look_up(client, number, factor)

    # then
    text = response.content.decode()
    assert response.status_code == 400
    assert NOT_FOUND in text
    assert bill.reference not in text and "1,234.56" not in text and "Property tax" not in text


def test_a_parcel_with_several_bills_lists_them_each_with_its_link(client, settings):
    # given: two halves of the year's tax on one parcel number
    settings.PAYMENTS_GATEWAY = "local"
    first, second = tax_bill("APN 123-45-678"), tax_bill("APN 123-45-678")
    other_owner = tax_bill("APN 123-45-678", last_name="Smith", code="ZZZ")

    # when
    response = look_up(client, "apn12345678", "Nunez-OBrien")

    # then
    text = response.content.decode()
    assert response.status_code == 200
    assert first.reference in text and second.reference in text
    assert other_owner.reference not in text


def test_cancelled_bills_are_not_found(client, bill):
    # given
    from payments.services import invoice_void

    invoice_void(invoice=bill)

    # when
    response = look_up(client, "2026-004217", "K7Q-2PX")

    # then
    assert response.status_code == 400 and NOT_FOUND in response.content.decode()


def test_a_bill_without_a_factor_on_file_is_never_opened(client, settings):
    # given: a bill issued with a number but no name or code to check
    settings.PAYMENTS_GATEWAY = "local"
    tax_bill("2026-000001", last_name="", code="")

    # when
    response = look_up(client, "2026-000001", "anything")

    # then
    assert response.status_code == 400


def test_look_ups_are_rate_limited_per_address(client, bill):
    # given: the limit spent on wrong guesses
    cache.clear()
    for guess in range(BILL_LOOKUP_LIMIT):
        look_up(client, "2026-004217", f"guess{guess}")

    # when: the right answer comes too late
    response = look_up(client, "2026-004217", "K7Q-2PX")

    # then
    assert response.status_code == 400
    assert "Too many attempts" in response.content.decode()
    assert "Location" not in response


def test_the_page_answers_a_get(client):
    response = client.get(reverse("payments:bills"))
    assert response.status_code == 200
    assert 'name="number"' in response.content.decode()


@fuzz(60)
@given(data=params(["number", "factor"], valid={"number": "2026-004217", "factor": "K7Q-2PX"}))
def test_random_look_ups_never_fail_and_keep_what_was_typed(data):
    # given: a fresh client and limiter each time, so the limit does not hide the form
    cache.clear()
    if not Invoice.objects.filter(external_number="2026004217").exists():
        tax_bill()

    # when
    response = Client().post(reverse("payments:bills"), data)

    # then
    no_server_error(response)
    if response.status_code != 302:
        keeps_what_was_typed(response, data)


@fuzz(40)
@given(number=st.text(max_size=200), factor=st.text(max_size=200))
def test_random_numbers_and_factors_never_open_a_bill_they_do_not_match(number, factor):
    # given
    cache.clear()
    if not Invoice.objects.filter(external_number="2026004217").exists():
        tax_bill()

    # when
    response = Client().post(reverse("payments:bills"), {"number": number, "factor": factor})

    # then
    no_server_error(response)
    normalised = "".join(ch for ch in number.upper() if ch.isalnum())
    if response.status_code == 302:
        assert normalised == "2026004217"
