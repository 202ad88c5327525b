"""The pages around paying: the escrow warning before paying (no JavaScript), the bill's
credits and receipts, bulk payers' batches, and the staff workbench's credits."""

import datetime
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from payments.models import Invoice
from taxes.charges import agency_date
from taxes.models import PaymentBatch
from taxes.selectors import YEAR
from taxes.services.checkout import bill_payment_start
from tests.accounts.factories import StaffFactory, UserFactory
from tests.hostile import VALUES, fuzz, no_server_error
from tests.payments.test_pdf import pdf_text
from tests.taxes.factories import OwnerFactory, ParcelFactory, TaxBillFactory
from tests.taxes.payers import csv_file, pay_locally

pytestmark = pytest.mark.django_db
DAYS = datetime.timedelta(days=1)


@pytest.fixture
def bill():
    today = agency_date(timezone.now())
    parcel = ParcelFactory(number="10-000888", situs_address="8 OAK STREET")
    OwnerFactory(parcel=parcel, name="Lee Park", last_name="Park")
    return TaxBillFactory(
        parcel=parcel,
        number="2026-0000888",
        schedule=[(today + 10 * DAYS, 100000)],
        escrow_lender="First Bank",
    )


@pytest.fixture
def opened(client, bill):
    client.post(reverse("taxes:bill", args=[bill.number]), {"factor": "Park"})
    return client


def test_the_owner_sees_the_payment_expected_from_the_lender(opened, bill):
    page = opened.get(reverse("taxes:bill", args=[bill.number])).content.decode()

    assert "Payment expected from First Bank" in page


def test_paying_an_escrowed_bill_asks_first_and_issues_nothing(opened, bill):
    # when
    response = opened.post(
        reverse("taxes:pay", args=[bill.number]), {"choice": YEAR, "email": "lee@example.com"}
    )

    # then: a warning with what the lender will pay, and a form that carries the choice
    page = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "taxes/bill_escrow_confirm.html"
    assert "First Bank is expected to pay this bill" in page
    assert "$1,000.00" in page
    assert 'name="escrow_confirmed" value="1"' in page
    assert 'name="choice" value="year"' in page
    assert 'name="email" value="lee@example.com"' in page
    assert Invoice.objects.count() == 0


def test_confirming_goes_on_to_pay(opened, bill):
    response = opened.post(
        reverse("taxes:pay", args=[bill.number]),
        {"choice": YEAR, "email": "lee@example.com", "escrow_confirmed": "1"},
    )

    assert response.status_code == 303
    assert Invoice.objects.get().total_cents == 100000


def test_a_bill_without_a_lender_is_paid_without_the_question(client):
    today = agency_date(timezone.now())
    parcel = ParcelFactory()
    OwnerFactory(parcel=parcel, last_name="Park")
    plain = TaxBillFactory(parcel=parcel, schedule=[(today + 10 * DAYS, 100000)])
    client.post(reverse("taxes:bill", args=[plain.number]), {"factor": "Park"})

    response = client.post(
        reverse("taxes:pay", args=[plain.number]), {"choice": YEAR, "email": "lee@example.com"}
    )

    assert response.status_code == 303


def test_the_payer_downloads_the_receipt_of_their_payment_as_pdf(opened, bill):
    # given: paid from this browser
    opened.post(
        reverse("taxes:pay", args=[bill.number]),
        {"choice": YEAR, "email": "lee@example.com", "escrow_confirmed": "1"},
    )
    invoice = pay_locally(Invoice.objects.get())
    receipt = invoice.receipts.get()

    # when
    page = opened.get(reverse("taxes:bill", args=[bill.number])).content.decode()
    pdf = opened.get(reverse("taxes:receipt", args=[bill.number, receipt.number]))

    # then
    assert f"Receipt {receipt.number}" in page
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert f"Property tax bill {bill.number} (2026)" in text
    assert "$1,000.00" in text


def test_someone_else_holding_the_bill_gets_no_other_payers_receipt(opened, bill, client):
    invoice = pay_locally(bill_payment_start(bill=bill, choice=YEAR, email="x@example.com"))
    receipt = invoice.receipts.get()

    page = opened.get(reverse("taxes:bill", args=[bill.number])).content.decode()
    pdf = opened.get(reverse("taxes:receipt", args=[bill.number, receipt.number]))

    assert receipt.number not in page
    assert pdf.status_code == 404


def test_a_credit_shows_with_its_one_click_refund_button(opened, bill):
    first = bill_payment_start(bill=bill, choice=YEAR, email="a@example.com")
    second = bill_payment_start(bill=bill, choice=YEAR, email="b@example.com")
    pay_locally(first)
    pay_locally(second)  # paid after the first settled the bill: a credit

    page = opened.get(reverse("taxes:bill", args=[bill.number])).content.decode()

    assert "Credit of $1,000.00" in page
    assert "Refund $1,000.00 to the card or account that paid" in page


def test_a_credit_refund_without_the_bill_opened_refunds_nothing(client, bill):
    first = bill_payment_start(bill=bill, choice=YEAR, email="a@example.com")
    second = bill_payment_start(bill=bill, choice=YEAR, email="b@example.com")
    pay_locally(first)
    pay_locally(second)
    from taxes.models import BillPayment, CreditRefund

    credit = BillPayment.objects.get(credit_cents__gt=0)
    response = client.post(
        reverse("taxes:credit_refund", args=[bill.number, credit.pk]),
    )

    assert response.status_code == 302
    assert CreditRefund.objects.count() == 0


# --- Bulk payers ------------------------------------------------------------------------


def test_batches_need_an_account(client):
    response = client.get(reverse("taxes:batches"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_bad_file_shows_each_row_and_saves_nothing(client, resident, bill):
    client.force_login(resident)
    upload = csv_file("10-000888,1000.00", "99-000001,5.00")
    upload.name = "escrow.csv"

    response = client.post(reverse("taxes:batches"), {"file": upload})

    page = response.content.decode()
    assert response.status_code == 400
    assert "The file has 1 problem. Nothing was saved." in page
    assert "Row 3:" in page and "Parcel 99-000001 is unknown" in page
    assert PaymentBatch.objects.count() == 0


def test_a_good_file_shows_its_report_and_pays_the_total_once(client, resident, bill):
    client.force_login(resident)
    upload = csv_file("10-000888,900.00")
    upload.name = "escrow.csv"

    uploaded = client.post(reverse("taxes:batches"), {"file": upload})
    batch = PaymentBatch.objects.get()
    report = client.get(uploaded["Location"])
    paid = client.post(reverse("taxes:batch_pay", args=[batch.pk]))

    assert uploaded.status_code == 302
    assert "1 row pays an amount other than what is owed today" in report.content.decode()
    assert "Pay $900.00" in report.content.decode()
    assert paid.status_code == 303
    assert Invoice.objects.get().total_cents == 90000


def test_nobody_sees_another_payers_batch(client, resident, other_resident, bill):
    client.force_login(resident)
    upload = csv_file("10-000888,900.00")
    upload.name = "escrow.csv"
    client.post(reverse("taxes:batches"), {"file": upload})
    batch = PaymentBatch.objects.get()

    client.force_login(other_resident)

    assert client.get(reverse("taxes:batch", args=[batch.pk])).status_code == 404
    assert client.post(reverse("taxes:batch_pay", args=[batch.pk])).status_code == 404
    assert Invoice.objects.count() == 0


# --- Staff ------------------------------------------------------------------------------


def _staff(client, roles):
    member = StaffFactory(roles=roles)
    TOTP.activate(member, generate_totp_secret())
    client.force_login(member)
    return member


def test_the_credits_page_is_for_cashiers_and_supervisors(client, bill):
    _staff(client, ["clerk"])
    refused = client.get(reverse("taxes_credits:list"))
    _staff(client, ["cashier"])
    shown = client.get(reverse("taxes_credits:list"))

    assert refused.status_code == 403
    assert shown.status_code == 200
    labels = [item.label for item in shown.context["workbench_nav"]]
    assert "Property taxes: credits to refund" in labels


def test_the_credits_page_lists_every_credit_in_constant_queries(
    client, bill, django_assert_max_num_queries
):
    _staff(client, ["supervisor"])
    for n in range(3):
        other = TaxBillFactory(schedule=[(bill.instalments.get().due_date, 1000)])
        first = bill_payment_start(bill=other, choice=YEAR, email=f"a{n}@example.com")
        second = bill_payment_start(bill=other, choice=YEAR, email=f"b{n}@example.com")
        pay_locally(first)
        pay_locally(second)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("taxes_credits:list"))

    assert page.status_code == 200
    assert len(page.context["credits"]) == 3


# Amounts and parcel numbers as anyone may write them: commas, currency signs, signs, huge
# numbers, markup. The file is saved (a real amount of a known parcel) or refused row by row.
_AMOUNTS = st.one_of(
    VALUES.filter(lambda value: isinstance(value, str)),
    st.sampled_from(["$1,000.00", '"1,000.00"', "1,000.00", "€5", "$ 5", "1.005", "0.00", "-$5"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
)


@given(parcel=st.one_of(st.just("10-000888"), st.text(max_size=12)), amount=_AMOUNTS)
@fuzz(max_examples=60)
def test_any_batch_row_is_saved_or_refused_never_a_server_error(bill, parcel, amount):
    # given: a fresh payer each time (the database is shared between examples)
    payer = UserFactory()
    client = Client()
    client.force_login(payer)
    row = f"{parcel},{amount}".replace("\n", " ").replace("\r", " ")
    upload = io.BytesIO(f"parcel_number,amount\n{row}\n".encode("utf-8", "surrogatepass"))
    upload.name = "batch.csv"

    # when
    response = client.post(reverse("taxes:batches"), {"file": upload})

    # then: saved and shown, or refused with nothing saved
    no_server_error(response)
    assert response.status_code in (302, 400)
    assert PaymentBatch.objects.filter(payer=payer).exists() == (response.status_code == 302)


# Digits Python's str.isdigit() accepts: superscript, full-width and mathematical "2026".
OTHER_DIGITS = [
    "\u00b2\u2070\u00b2\u2076",
    "\uff12\uff10\uff12\uff16",
    "\U0001d7da\U0001d7d8\U0001d7da\U0001d7de",
]


@pytest.mark.parametrize("year", OTHER_DIGITS, ids=["superscript", "fullwidth", "math"])
def test_a_tax_year_in_other_digits_is_refused_not_a_server_error(client, resident, bill, year):
    # given: digits Python counts as digits but not as a decimal number
    client.force_login(resident)
    upload = csv_file(f"10-000888,900.00,{year}", header="parcel_number,amount,tax_year")

    # when
    response = client.post(reverse("taxes:batches"), {"file": upload})

    # then
    assert response.status_code == 400
    assert f"Tax year “{year}” is not a year." in response.content.decode()
    assert PaymentBatch.objects.count() == 0


_YEARS = st.one_of(
    VALUES.filter(lambda value: isinstance(value, str)),
    st.sampled_from(["2026", " 2026", "1899", "2201", "0002026", *OTHER_DIGITS]),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), max_size=6),
)


@given(year=_YEARS, amount=_AMOUNTS)
@fuzz(max_examples=60)
def test_any_batch_tax_year_is_saved_or_refused_never_a_server_error(bill, year, amount):
    payer = UserFactory()
    client = Client()
    client.force_login(payer)
    row = f"10-000888,{amount},{year}".replace("\n", " ").replace("\r", " ")
    upload = io.BytesIO(f"parcel_number,amount,tax_year\n{row}\n".encode("utf-8", "surrogatepass"))
    upload.name = "batch.csv"

    response = client.post(reverse("taxes:batches"), {"file": upload})

    no_server_error(response)
    assert response.status_code in (302, 400)
    assert PaymentBatch.objects.filter(payer=payer).exists() == (response.status_code == 302)
