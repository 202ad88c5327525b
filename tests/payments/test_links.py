"""Invoice guest links (payments/tokens.py on cases.links): a view link cannot pay, links
of before still open, an invoice with an account asks to sign in."""

import pytest
from django.core import signing
from django.urls import reverse

from cases.links import LinkScope
from payments.models import Invoice, Payment
from payments.tokens import guest_token, receipt_url
from tests.payments.factories import GuestInvoiceFactory

pytestmark = pytest.mark.django_db


def page(name: str, token: str, **kwargs) -> str:
    return reverse(f"payments:{name}", kwargs={"token": token, **kwargs})


def test_a_view_link_shows_the_invoice_but_cannot_pay_it(client):
    # given
    invoice = GuestInvoiceFactory()
    token = guest_token(invoice=invoice, scope=LinkScope.VIEW)

    # when
    shown = client.get(page("guest_invoice", token))
    paid = client.post(page("guest_invoice_pay", token))

    # then
    assert shown.status_code == 200
    assert "This link lets you see the invoice, not pay it." in shown.content.decode()
    assert "Pay $50.00" not in shown.content.decode()
    assert paid.status_code == 404
    assert Payment.objects.count() == 0


def test_a_pay_link_pays(client):
    invoice = GuestInvoiceFactory()
    token = guest_token(invoice=invoice)

    assert "Pay $50.00" in client.get(page("guest_invoice", token)).content.decode()
    assert client.post(page("guest_invoice_pay", token)).status_code == 303
    assert Payment.objects.count() == 1


def test_a_pay_link_to_another_kind_of_row_opens_no_invoice(client, resident):
    from cases.links import issue_link

    other = issue_link(resident, LinkScope.PAY, page="payments:guest_invoice")

    response = client.get(page("guest_invoice", other.token))

    assert response.status_code == 404


def test_an_invoice_link_of_before_still_pays(client):
    invoice = GuestInvoiceFactory()
    old = signing.TimestampSigner(salt="payments.guest-invoice").sign(invoice.reference)

    assert client.get(page("guest_invoice", old)).status_code == 200
    assert client.post(page("guest_invoice_pay", old)).status_code == 303


def test_the_receipt_link_is_a_view_link(client, settings):
    # given: a paid guest invoice with its receipt
    invoice = GuestInvoiceFactory()
    client.post(page("guest_invoice_pay", guest_token(invoice=invoice)))
    payment = Payment.objects.get()
    client.post(payment.checkout_url, {"decision": "approve"})
    receipt = invoice.receipts.get()

    # when
    url = receipt_url(receipt=receipt).removeprefix(settings.SITE_URL)
    token = url.split("/guest/")[1].split("/")[0]

    # then: it downloads the receipt, and cannot start a payment
    assert client.get(url).status_code == 200
    assert client.post(page("guest_invoice_pay", token)).status_code == 404


def test_an_invoice_that_now_has_an_account_asks_to_sign_in(client, resident):
    invoice = GuestInvoiceFactory()
    token = guest_token(invoice=invoice)
    Invoice.objects.filter(pk=invoice.pk).update(payer=resident)

    response = client.get(page("guest_invoice", token))

    assert response.status_code == 410
    assert "Sign in to continue" in response.content.decode()
