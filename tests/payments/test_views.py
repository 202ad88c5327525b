import subprocess
import time

import pytest
from django.core import signing
from django.urls import reverse

from payments import services
from payments.models import Payment, Receipt
from payments.tokens import guest_token
from tests.payments.factories import GuestInvoiceFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def guest_url(invoice, name="guest_invoice", **kwargs) -> str:
    """A page of `invoice` by its guest's pay link: one link per invoice, as in an e-mail."""
    if not hasattr(invoice, "_link_token"):
        invoice._link_token = guest_token(invoice=invoice)
    return reverse(f"payments:{name}", kwargs={"token": invoice._link_token, **kwargs})


class SignedDaysAgo(signing.TimestampSigner):
    """Signs as if it were `days` ago, to make links that have already expired."""

    def __init__(self, *, days: int, **kwargs):
        super().__init__(**kwargs)
        self.days = days

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - self.days * 86400)


# --- Guest journey -------------------------------------------------------------------------


def test_guest_pays_through_the_local_gateway_and_downloads_the_receipt(client):
    # given
    invoice = GuestInvoiceFactory(description="Park pavilion booking")
    page = client.get(guest_url(invoice))
    assert page.status_code == 200
    assert page.templates[0].name == "payments/invoice_detail.html"
    assert "Pay $50.00" in page.content.decode()

    # when: they press Pay
    response = client.post(guest_url(invoice, "guest_invoice_pay"))

    # then: they land on the test gateway's page, which says no money moves
    payment = Payment.objects.get()
    assert (response.status_code, response["Location"]) == (303, payment.checkout_url)
    gateway_page = client.get(payment.checkout_url)
    assert "Test payment page: no money moves" in gateway_page.content.decode()

    # when: they approve
    response = client.post(payment.checkout_url, {"decision": "approve"})

    # then: back on the portal, paid, with a receipt to download
    assert response["Location"] == "http://testserver" + guest_url(invoice, "guest_invoice_return")
    page = client.get(response["Location"])
    assert page.context["state"] == "paid"
    receipt = Receipt.objects.get()
    download = client.get(guest_url(invoice, "guest_receipt", number=receipt.number))
    assert (download.status_code, download["Content-Type"]) == (200, "application/pdf")
    assert download["Content-Disposition"] == f'attachment; filename="receipt-{receipt.number}.pdf"'
    text = pdf_text(download.content)
    assert receipt.number in text and invoice.reference in text and "$50.00" in text


def test_declining_on_the_gateway_returns_to_the_invoice_unpaid(client):
    # given
    invoice = GuestInvoiceFactory()
    client.post(guest_url(invoice, "guest_invoice_pay"))
    payment = Payment.objects.get()

    # when
    response = client.post(payment.checkout_url, {"decision": "decline"}, follow=True)

    # then
    assert response.redirect_chain[-1][0].endswith("?cancelled=1")
    assert "Your payment was not completed. Nothing was charged." in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == "open"


def test_a_return_with_a_session_id_holding_a_nul_shows_the_latest_attempt(client):
    # given: a session id no gateway makes (PostgreSQL refuses NUL even in a WHERE clause)
    invoice = GuestInvoiceFactory()
    client.post(guest_url(invoice, "guest_invoice_pay"))

    # when
    response = client.get(guest_url(invoice, "guest_invoice_return"), {"session_id": "cs_\x00"})

    # then
    assert response.status_code == 200
    assert response.context["payment"] == Payment.objects.get()


def test_a_form_posted_twice_creates_one_attempt(client):
    # given
    invoice = GuestInvoiceFactory()

    # when
    first = client.post(guest_url(invoice, "guest_invoice_pay"))
    second = client.post(guest_url(invoice, "guest_invoice_pay"))

    # then
    assert first["Location"] == second["Location"]
    assert Payment.objects.count() == 1


def test_paying_an_invoice_already_paid_is_refused(client):
    # given
    invoice = GuestInvoiceFactory()
    client.post(guest_url(invoice, "guest_invoice_pay"))
    client.post(Payment.objects.get().checkout_url, {"decision": "approve"})

    # when
    response = client.post(guest_url(invoice, "guest_invoice_pay"), follow=True)

    # then
    assert "This invoice has already been paid." in response.content.decode()
    assert Payment.objects.count() == 1
    assert "Pay $50.00" not in response.content.decode()


def test_guest_link_after_expiry_does_not_open_the_invoice(client, settings):
    # given
    settings.PAYMENTS_GUEST_LINK_DAYS = 30
    invoice = GuestInvoiceFactory()
    token = SignedDaysAgo(days=31, salt="payments.guest-invoice").sign(invoice.reference)

    # when
    response = client.get(reverse("payments:guest_invoice", kwargs={"token": token}))
    pay = client.post(reverse("payments:guest_invoice_pay", kwargs={"token": token}))

    # then: the page says the link expired and offers a fresh one
    assert response.status_code == 410
    assert response.templates[0].name == "cases/link_problem.html"
    assert "Send me a new link" in response.content.decode()
    assert (pay.status_code, Payment.objects.count()) == (410, 0)


def test_guest_link_still_open_before_expiry(client, settings):
    # given
    settings.PAYMENTS_GUEST_LINK_DAYS = 30
    invoice = GuestInvoiceFactory()
    token = SignedDaysAgo(days=29, salt="payments.guest-invoice").sign(invoice.reference)

    # when
    response = client.get(reverse("payments:guest_invoice", kwargs={"token": token}))

    # then
    assert response.status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token, old, other: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token, old, other: old[:-1] + ("A" if old[-1] != "A" else "B"),
        lambda token, old, other: other + old[old.index(":") :],  # someone else's reference
        lambda token, old, other: signing.TimestampSigner(salt="cases.guest-link").sign(other),
    ],
)
def test_guest_link_with_a_changed_signature_is_refused(client, tamper):
    # given
    invoice, other = GuestInvoiceFactory(), GuestInvoiceFactory()
    old = signing.TimestampSigner(salt="payments.guest-invoice").sign(invoice.reference)
    token = tamper(guest_token(invoice=invoice), old, other.reference)

    # when
    response = client.get(reverse("payments:guest_invoice", kwargs={"token": token}))

    # then
    assert response.status_code == 404
    assert response.templates[0].name == "payments/link_invalid.html"


def test_guest_receipt_of_another_invoice_is_not_served(client, clerk):
    # given
    mine, theirs = GuestInvoiceFactory(), GuestInvoiceFactory()
    services.payment_record_counter(invoice=theirs, method="cash", amount_cents=5000, actor=clerk)
    their_receipt = Receipt.objects.get()

    # when
    response = client.get(guest_url(mine, "guest_receipt", number=their_receipt.number))

    # then
    assert response.status_code == 404


# --- Residents -----------------------------------------------------------------------------


def test_resident_invoice_needs_sign_in(client):
    # given
    invoice = InvoiceFactory()
    url = reverse("payments:invoice", kwargs={"reference": invoice.reference})

    # when
    response = client.get(url)

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_resident_cannot_open_or_pay_another_residents_invoice(client, other_resident):
    # given
    invoice = InvoiceFactory()
    client.force_login(other_resident)

    # when
    page = client.get(reverse("payments:invoice", kwargs={"reference": invoice.reference}))
    pay = client.post(reverse("payments:invoice_pay", kwargs={"reference": invoice.reference}))

    # then
    assert (page.status_code, pay.status_code, Payment.objects.count()) == (404, 404, 0)


def test_resident_pays_from_their_account(client, resident):
    # given
    invoice = InvoiceFactory(payer=resident)
    client.force_login(resident)

    # when
    response = client.post(reverse("payments:invoice_pay", kwargs={"reference": invoice.reference}))
    client.post(response["Location"], {"decision": "approve"})

    # then
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    page = client.get(reverse("payments:mine"))
    receipt = Receipt.objects.get()
    assert page.status_code == 200
    assert list(page.context["invoices"]) == [invoice]
    assert [(i, r) for i, r, _url in page.context["receipts"]] == [(invoice, receipt)]
    download = client.get(
        reverse(
            "payments:receipt", kwargs={"reference": invoice.reference, "number": receipt.number}
        )
    )
    assert download.status_code == 200


def test_my_payments_shows_only_my_invoices(client, resident, other_resident):
    # given
    mine = InvoiceFactory(payer=resident)
    InvoiceFactory(payer=other_resident)
    client.force_login(resident)

    # when
    response = client.get(reverse("payments:mine"))

    # then
    assert list(response.context["invoices"]) == [mine]
    assert list(response.context["to_pay"]) == [mine]


def test_return_page_shows_processing_until_the_payment_is_confirmed(client, stripe_gateway):
    # given: the payer comes back from Stripe without having paid
    invoice = GuestInvoiceFactory()
    client.post(guest_url(invoice, "guest_invoice_pay"))
    payment = Payment.objects.get()

    # when
    response = client.get(
        guest_url(invoice, "guest_invoice_return") + f"?session_id={payment.provider_reference}"
    )

    # then
    invoice.refresh_from_db()
    assert response.context["state"] == "processing"
    assert invoice.status == "open"

    # when: they did pay, and the webhook is late
    stripe_gateway.pay(payment.provider_reference)
    response = client.get(
        guest_url(invoice, "guest_invoice_return") + f"?session_id={payment.provider_reference}"
    )

    # then: the page asked Stripe, and Stripe's answer settled it
    invoice.refresh_from_db()
    assert (response.context["state"], invoice.status) == ("paid", "paid")


@pytest.mark.parametrize("session_id", ["%00", "cs_%00", "x" * 300, "<script>"])
def test_return_page_ignores_a_session_id_no_gateway_would_give(client, session_id):
    # given
    invoice = GuestInvoiceFactory()

    # when
    response = client.get(guest_url(invoice, "guest_invoice_return") + f"?session_id={session_id}")

    # then: the page reads the latest attempt instead (there is none: "not completed")
    assert response.status_code == 200
    assert response.context["state"] != "paid"


def test_pay_with_stripe_redirects_to_stripes_checkout(client, stripe_gateway):
    # given
    invoice = GuestInvoiceFactory()

    # when
    response = client.post(guest_url(invoice, "guest_invoice_pay"))

    # then
    session_id = next(iter(stripe_gateway.sessions))
    assert (response.status_code, response["Location"]) == (
        303,
        f"https://checkout.stripe.com/c/pay/{session_id}",
    )


def test_stripe_unreachable_on_pay_shows_an_error_and_a_second_click_goes_through(
    client, stripe_gateway
):
    # given
    invoice = GuestInvoiceFactory()
    stripe_gateway.fail_next("POST", "/v1/checkout/sessions", status=503)

    # when
    response = client.post(guest_url(invoice, "guest_invoice_pay"), follow=True)
    again = client.post(guest_url(invoice, "guest_invoice_pay"))

    # then: the attempt waited, unanswered, and the second click made the same call
    assert "The payment service did not answer." in response.content.decode()
    payment = Payment.objects.get()
    assert again.status_code == 303 and again["Location"] == payment.checkout_url


def test_local_gateway_page_is_gone_when_stripe_is_configured(client, stripe_gateway):
    # given
    invoice = GuestInvoiceFactory()
    client.post(guest_url(invoice, "guest_invoice_pay"))
    payment = Payment.objects.get()

    # when
    response = client.post(
        reverse("payments:local_checkout", kwargs={"public_id": payment.public_id}),
        {"decision": "approve"},
    )

    # then
    invoice.refresh_from_db()
    assert (response.status_code, invoice.status) == (404, "open")


def test_no_online_gateway_says_to_pay_at_the_office(client, settings):
    # given
    settings.PAYMENTS_GATEWAY = "none"
    invoice = GuestInvoiceFactory()

    # when
    response = client.get(guest_url(invoice))

    # then
    assert "Online payment is not available." in response.content.decode()
    assert "Pay $50.00" not in response.content.decode()


# --- Find by reference and e-mail --------------------------------------------------------------


def test_find_by_reference_and_email_opens_the_guest_invoice(client):
    # given
    invoice = GuestInvoiceFactory(guest_email="Pat@Example.net")

    # when
    response = client.post(
        reverse("payments:find"),
        {"reference": invoice.reference.lower(), "email": "pat@example.NET"},
        follow=True,
    )

    # then
    assert response.status_code == 200
    assert response.context["invoice"] == invoice
    assert response.redirect_chain[0][0].startswith("/payments/guest/")


def test_find_with_the_wrong_email_says_nothing_about_the_invoice(client):
    # given
    invoice = GuestInvoiceFactory(guest_email="pat@example.net", description="Secret thing")

    # when
    response = client.post(
        reverse("payments:find"), {"reference": invoice.reference, "email": "eve@example.net"}
    )

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "We could not find an invoice with that reference and e-mail address." in body
    assert "Secret thing" not in body


def test_find_for_an_account_invoice_asks_to_sign_in(client, resident):
    # given
    invoice = InvoiceFactory(payer=resident)

    # when
    response = client.post(
        reverse("payments:find"), {"reference": invoice.reference, "email": resident.email}
    )

    # then
    url = reverse("payments:invoice", kwargs={"reference": invoice.reference})
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_find_is_rate_limited(client):
    # given
    invoice = GuestInvoiceFactory(guest_email="pat@example.net")
    for _ in range(10):
        client.post(reverse("payments:find"), {"reference": "INV-2000-000001", "email": "a@b.org"})

    # when: even the right answer is refused for a while
    response = client.post(
        reverse("payments:find"), {"reference": invoice.reference, "email": "pat@example.net"}
    )

    # then
    assert response.status_code == 200
    assert "Too many attempts." in response.content.decode()


def test_find_form_shows_field_errors(client):
    # when
    response = client.post(reverse("payments:find"), {"reference": "", "email": "not-an-address"})

    # then
    assert response.context["form"].errors == {
        "reference": ["Enter the reference of your invoice."],
        "email": ["Enter an e-mail address in the correct format, like name@example.com."],
    }


def test_my_payments_reads_the_same_number_of_queries_however_many_invoices(
    client, resident, django_assert_max_num_queries
):
    # given: one paid invoice, then four more, two of them paid
    client.force_login(resident)

    def paid_invoice():
        invoice = InvoiceFactory(payer=resident)
        url = reverse("payments:invoice_pay", kwargs={"reference": invoice.reference})
        client.post(client.post(url)["Location"], {"decision": "approve"})
        return invoice

    paid_invoice()
    with django_assert_max_num_queries(50) as few:
        assert client.get(reverse("payments:mine")).status_code == 200
    baseline = len(few.captured_queries)
    paid_invoice()
    paid_invoice()
    InvoiceFactory.create_batch(2, payer=resident)

    # when / then
    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("payments:mine"))
    assert len(response.context["invoices"]) == 5
    assert len(response.context["receipts"]) == 3
