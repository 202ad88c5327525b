"""Paying an invoice end to end in a real browser, with the local test gateway: as a guest
through a signed link, and as a signed-in resident from their account. Each page on the way
passes axe-core, and the downloaded receipt is read back with pdftotext."""

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from payments.models import Receipt
from payments.tokens import guest_token
from portal.celery import app as celery_app
from tests.accounts.factories import UserFactory
from tests.browser.pages import VIEWPORTS, axe_violations, choose_language, log_in_browser
from tests.payments.factories import GuestInvoiceFactory, InvoiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _local_gateway_and_inline_tasks(settings):
    settings.PAYMENTS_GATEWAY = "local"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def pay_on_the_test_gateway(page: Page, axe) -> None:
    """From an invoice page: press Pay, approve on the test gateway's page."""
    page.get_by_role("button", name="Pay $50.00").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment page: no money moves")
    assert_accessible(axe, page)
    page.get_by_label("Approve the payment").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment received")
    assert_accessible(axe, page)


def download_receipt_text(page: Page, receipt: Receipt, folder: Path) -> str:
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"{receipt.number} (PDF)").first.click()
    download = download_info.value
    assert download.suggested_filename == f"receipt-{receipt.number}.pdf"
    path = folder / download.suggested_filename
    download.save_as(path)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_guest_pays_with_a_signed_link_and_downloads_the_receipt(
    page: Page, live_server, axe, mailoutbox, tmp_path, viewport
):
    # given: a guest's invoice, reached by the link from their e-mail
    page.set_viewport_size(VIEWPORTS[viewport])
    invoice = GuestInvoiceFactory(guest_email="pat@example.net", description="Pavilion booking")
    token = guest_token(invoice=invoice)
    page.goto(live_server.url + reverse("payments:guest_invoice", kwargs={"token": token}))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invoice {invoice.reference}")
    assert_accessible(axe, page)

    # when
    pay_on_the_test_gateway(page, axe)

    # then: paid, the receipt downloads and reads back, and it was e-mailed with the PDF
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    receipt = Receipt.objects.get(invoice=invoice)
    text = download_receipt_text(page, receipt, tmp_path)
    for expected in (
        receipt.number,
        invoice.reference,
        "Pavilion booking",
        "$50.00",
        "Test payment",
    ):
        assert expected in text, expected
    [message] = mailoutbox
    assert message.to == ["pat@example.net"]
    assert [name for name, _content, _type in message.attachments] == [
        f"receipt-{receipt.number}.pdf"
    ]


def test_resident_pays_from_my_payments_and_downloads_the_receipt(
    page: Page, live_server, axe, tmp_path
):
    # given: a signed-in resident with an invoice to pay
    resident = UserFactory(full_name="Maria Lopez")
    invoice = InvoiceFactory(payer=resident, description="Food truck license fee")
    log_in_browser(page, user=resident, base_url=live_server.url)
    page.goto(live_server.url + reverse("payments:mine"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My payments")
    assert_accessible(axe, page)

    # when
    page.get_by_role("link", name=f"View and pay invoice {invoice.reference}").click()
    assert_accessible(axe, page)
    pay_on_the_test_gateway(page, axe)

    # then: the receipt downloads and reads back, and My payments lists it
    receipt = Receipt.objects.get(invoice=invoice)
    text = download_receipt_text(page, receipt, tmp_path)
    for expected in (receipt.number, invoice.reference, "Maria Lopez", "$50.00"):
        assert expected in text, expected
    page.goto(live_server.url + reverse("payments:mine"))
    expect(page.get_by_role("link", name=f"{receipt.number} (PDF)")).to_be_visible()
    assert_accessible(axe, page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_find_invoice_page_has_no_accessibility_violations(page: Page, live_server, axe, language):
    # given
    choose_language(page, language=language, base_url=live_server.url)

    # when
    page.goto(live_server.url + reverse("payments:find"))

    # then
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(axe, page)

    # and a wrong answer shows the error summary, still accessible
    page.locator("form.usa-form button[type=submit]").click()
    assert_accessible(axe, page)
