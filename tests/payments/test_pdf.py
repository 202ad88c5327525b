import logging
import subprocess

import pytest
from django.utils import translation

from payments import services
from payments.models import Receipt
from payments.pdf import receipt_pdf
from payments.services import LineItem
from tests.payments.factories import GuestInvoiceFactory

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def paid_invoice(clerk):
    invoice = GuestInvoiceFactory(
        guest_name="Pat Guest",
        description="Park pavilion booking",
        lines=[LineItem("Pavilion, 4 hours", 2500, quantity=4), LineItem("Cleaning deposit", 5000)],
    )
    services.payment_record_counter(
        invoice=invoice, method="check", amount_cents=15000, actor=clerk, note="Check 1042"
    )
    return invoice


def test_payment_receipt_has_agency_reference_lines_amount_method_and_date(paid_invoice, settings):
    # given
    settings.AGENCY = {**settings.AGENCY, "name": "Town of Riverdale", "phone": "(555) 010-9999"}
    receipt = Receipt.objects.get()

    # when
    text = pdf_text(receipt_pdf(receipt=receipt, language="en"))

    # then
    for expected in [
        "Town of Riverdale",
        "(555) 010-9999",
        "Payment receipt",
        receipt.number,
        paid_invoice.reference,
        "Pat Guest",
        "Park pavilion booking",
        "Pavilion, 4 hours",
        "$25.00",
        "$100.00",
        "Cleaning deposit",
        "$150.00",
        "Check",
        receipt.issued_at.astimezone().strftime("%Y"),
    ]:
        assert expected in text, expected


def test_refund_receipt_says_refund_with_the_amount_and_reason(paid_invoice, clerk):
    # given
    payment = paid_invoice.payments.get()
    services.refund_issue(
        payment=payment, amount_cents=5000, reason="Deposit returned", actor=clerk
    )
    receipt = Receipt.objects.get(kind="refund")

    # when
    text = pdf_text(receipt_pdf(receipt=receipt, language="en"))

    # then
    assert "Refund receipt" in text
    assert "Amount refunded" in text and "$50.00" in text
    assert "Deposit returned" in text


def test_receipt_in_spanish(paid_invoice):
    # given
    receipt = Receipt.objects.get()

    # when
    with translation.override("en"):
        text = pdf_text(receipt_pdf(receipt=receipt, language="es"))

    # then: drawn in Spanish whatever the active language (Spanish number format)
    assert "$150,00" in text


def test_receipt_draws_without_an_error_about_the_logo(paid_invoice, settings, caplog):
    # given: the default logo, one of the portal's static files, embedded in the receipt
    settings.AGENCY = {**settings.AGENCY, "name": "Town of Riverdale"}
    receipt = Receipt.objects.get()

    # when
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        receipt_pdf(receipt=receipt, language="en")

    # then: a tagged PDF needs the image's alternative text, which a screen reader reads out;
    # without it WeasyPrint logs an error for every receipt
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
