"""Paying property taxes in a real browser, on a phone and on a laptop, with axe-core on
every page: a guest finds a bill by parcel number, opens it with the owner's last name and
pays one instalment on the local test gateway, then downloads the receipt; a lender uploads
a CSV batch, reads the discrepancy report and pays the total once."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.celery import app as celery_app
from taxes.charges import agency_date
from taxes.models import BillPayment, PaymentBatch
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser
from tests.taxes.factories import OwnerFactory, ParcelFactory, TaxBillFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DAYS = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _local_gateway(settings, live_server):
    settings.PAYMENTS_GATEWAY = "local"
    settings.SITE_URL = live_server.url
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def elm_street_bill(number: int, *, escrow_lender: str = ""):
    """A bill of two $1,000.00 instalments, due in 20 and 200 days."""
    today = agency_date(timezone.now())
    parcel = ParcelFactory(number=f"10-00{number:04d}", situs_address=f"{number} ELM STREET")
    OwnerFactory(parcel=parcel, name="Ana María Núñez", last_name="Núñez")
    return TaxBillFactory(
        parcel=parcel,
        number=f"2026-000{number:04d}",
        schedule=[(today + 20 * DAYS, 100000), (today + 200 * DAYS, 100000)],
        escrow_lender=escrow_lender,
    )


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_a_guest_finds_a_bill_by_parcel_and_last_name_and_pays_one_instalment(
    page: Page, live_server, axe, tmp_path, viewport
):
    # given
    page.set_viewport_size(VIEWPORTS[viewport])
    bill = elm_street_bill(12)

    # find the bill by its parcel number
    page.goto(live_server.url + reverse("taxes:search"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find your property tax bill")
    assert_accessible(axe, page)
    page.get_by_label("Parcel number, bill number or property address").fill("10-000012")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Bills found")).to_be_visible()
    assert_accessible(axe, page)
    page.get_by_role("link", name=bill.number).click()

    # the second factor: the owner's last name, typed without accents
    expect(page.locator("main")).to_contain_text("enter the owner's last name")
    assert_accessible(axe, page)
    page.get_by_label("Owner's last name, or the access code printed on the bill").fill("nunez")
    page.get_by_role("button", name="See the bill").click()

    # the bill in full; pay the first instalment
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Tax bill {bill.number} (2026)")
    expect(page.locator("main")).to_contain_text("Ana María Núñez")
    assert_accessible(axe, page)
    page.locator("label", has_text="Instalment 1: $1,000.00").click()
    page.get_by_label("Your e-mail address").fill("ana@example.org")
    page.get_by_role("button", name="Continue to payment").click()

    # the local test gateway
    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment page: no money moves")
    expect(page.locator("main")).to_contain_text("$1,000.00")
    assert_accessible(axe, page)
    page.get_by_label("Approve the payment").check()
    page.get_by_role("button", name="Continue").click()

    # back on the bill: the first instalment paid, the second still owed, the receipt
    expect(page.locator("main")).to_contain_text("Thank you. Your payment is applied")
    expect(page.locator("main")).to_contain_text("Pay-off today: $1,000.00")
    assert_accessible(axe, page)
    payment = BillPayment.objects.get(bill=bill)
    assert (payment.amount_cents, payment.credit_cents) == (100000, 0)
    assert list(
        bill.instalments.order_by("sequence").values_list("principal_paid_cents", flat=True)
    ) == [100000, 0]
    with page.expect_download() as download_info:
        page.get_by_role("link", name="(PDF)").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_a_lender_pays_a_csv_batch(page: Page, live_server, axe, resident, tmp_path, viewport):
    # given: three escrowed bills, one of them already paid in part by its owner
    page.set_viewport_size(VIEWPORTS[viewport])
    bills = [elm_street_bill(n, escrow_lender="First Bank") for n in (1, 2, 3)]
    log_in_browser(page, user=resident, base_url=live_server.url)
    batch_file = tmp_path / "first-bank-escrow.csv"
    batch_file.write_text(
        "parcel_number,amount\n10-000001,2000.00\n10-000002,2000.00\n10-000003,1500.00\n"
    )

    # a file with an unknown parcel is refused whole, each row named
    bad_file = tmp_path / "typo.csv"
    bad_file.write_text("parcel_number,amount\n10-000001,2000.00\n10-999999,2000.00\n")
    page.goto(live_server.url + reverse("taxes:batches"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay property taxes for many parcels")
    assert_accessible(axe, page)
    page.locator("input[name=file]").set_input_files(str(bad_file))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#batch-errors")).to_contain_text("Row 3: Parcel 10-999999 is unknown")
    assert_accessible(axe, page)
    assert PaymentBatch.objects.count() == 0

    # the corrected file, and its discrepancy report
    page.locator("input[name=file]").set_input_files(str(batch_file))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment batch first-bank-escrow.csv")
    expect(page.locator("main")).to_contain_text("3 bills, $5,500.00 in all.")
    expect(page.locator("main")).to_contain_text("1 row pays an amount other than what is owed")
    assert_accessible(axe, page)
    page.get_by_role("button", name="Pay $5,500.00").click()

    # the local test gateway: one payment of the total
    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment page: no money moves")
    expect(page.locator("main")).to_contain_text("$5,500.00")
    assert_accessible(axe, page)
    page.get_by_label("Approve the payment").check()
    page.get_by_role("button", name="Continue").click()

    # then: the batch paid, each bill settled by its row
    expect(page.locator("main")).to_contain_text("each bill is settled by its row's amount")
    assert_accessible(axe, page)
    paid = [
        list(b.instalments.order_by("sequence").values_list("principal_paid_cents", flat=True))
        for b in bills
    ]
    assert paid == [[100000, 100000], [100000, 100000], [100000, 50000]]
