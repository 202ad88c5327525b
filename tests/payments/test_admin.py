import csv
import io
import re

import pytest
from django.urls import reverse

from payments import services
from payments.models import Payment, Receipt, Refund, RefundRequest, StripeEvent
from payments.services import LineItem
from tests.payments.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, payments_clerk):
    client.force_login(payments_clerk)
    return client


def test_staff_without_two_factor_is_sent_to_set_it_up(client, clerk):
    # given
    client.force_login(clerk)

    # when
    response = client.get(reverse("admin:payments_reconciliation"))

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_invoice_pages_list_and_show_an_invoice(staff_client):
    # given
    invoice = InvoiceFactory()

    # when
    listing = staff_client.get(reverse("admin:payments_invoice_changelist"))
    page = staff_client.get(reverse("admin:payments_invoice_change", args=[invoice.pk]))

    # then
    assert listing.status_code == page.status_code == 200
    assert invoice.reference in listing.content.decode()
    assert (
        reverse("admin:payments_invoice_counter_payment", args=[invoice.pk])
        in page.content.decode()
    )


def test_counter_payment_form_records_the_payment(staff_client, payments_clerk):
    # given
    invoice = InvoiceFactory()
    url = reverse("admin:payments_invoice_counter_payment", args=[invoice.pk])

    # when
    form_page = staff_client.get(url)
    response = staff_client.post(url, {"method": "cash", "amount": "50.00", "note": "Desk 2"})

    # then
    invoice.refresh_from_db()
    payment = invoice.payments.get()
    assert form_page.context["form"]["amount"].value() == "50.00"
    assert response.status_code == 302
    assert (invoice.status, payment.method, payment.recorded_by, payment.note) == (
        "paid",
        "cash",
        payments_clerk,
        "Desk 2",
    )


def test_counter_payment_form_refuses_a_wrong_amount(staff_client):
    # given
    invoice = InvoiceFactory()

    # when
    response = staff_client.post(
        reverse("admin:payments_invoice_counter_payment", args=[invoice.pk]),
        {"method": "cash", "amount": "40"},
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This invoice is paid in one payment of $50.00."
    ]
    assert Payment.objects.count() == 0


def test_refund_form_issues_a_partial_refund_and_refuses_more_than_paid(
    staff_client, payments_clerk
):
    # given
    invoice = InvoiceFactory()
    payment = services.payment_record_counter(
        invoice=invoice, method="cash", amount_cents=5000, actor=payments_clerk
    )
    url = reverse("admin:payments_payment_refund", args=[payment.pk])

    # when
    ok = staff_client.post(url, {"amount": "20.00", "reason": "Fee reduced"})
    too_much = staff_client.post(url, {"amount": "30.01", "reason": "Again"})

    # then
    invoice.refresh_from_db()
    assert ok.status_code == 302
    assert (invoice.status, invoice.amount_refunded_cents) == ("partially_refunded", 2000)
    assert too_much.context["form"].errors["amount"] == [
        "A refund cannot be more than what is left of the payment ($30.00)."
    ]
    assert Refund.objects.count() == 1


def test_refund_needs_the_refund_permission(client, clerk):
    # given: a clerk with MFA but no payments permissions
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(clerk, generate_totp_secret())
    payment = services.payment_record_counter(
        invoice=InvoiceFactory(), method="cash", amount_cents=5000, actor=clerk
    )
    client.force_login(clerk)

    # when
    response = client.post(
        reverse("admin:payments_payment_refund", args=[payment.pk]),
        {"amount": "10", "reason": "x"},
    )

    # then
    assert response.status_code == 403
    assert Refund.objects.count() == 0


def test_reconciliation_report_and_csv(staff_client, payments_clerk, stripe_gateway, post_event):
    # given: a counter payment, a refund, an unmatched Stripe event
    invoice = InvoiceFactory()
    payment = services.payment_record_counter(
        invoice=invoice, method="cash", amount_cents=5000, actor=payments_clerk
    )
    services.refund_issue(payment=payment, amount_cents=1250, reason="x", actor=payments_clerk)
    post_event(
        stripe_gateway.event(
            "checkout.session.completed",
            {"id": "cs_test_stray", "amount_total": 100, "currency": "usd", "metadata": {}},
        )
    )

    # when
    page = staff_client.get(reverse("admin:payments_reconciliation"))
    export = staff_client.get(reverse("admin:payments_reconciliation") + "?format=csv")

    # then
    body = page.content.decode()
    assert page.status_code == 200
    assert "$50.00" in body and "$12.50" in body and "$37.50" in body
    assert list(page.context["events"]) == [StripeEvent.objects.get()]
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0] == [
        "date",
        "gateway",
        "payments",
        "paid",
        "refunds",
        "refunded",
        "net",
        "currency",
    ]
    assert rows[1][1:] == ["counter", "1", "50.00", "1", "12.50", "37.50", "USD"]
    assert rows[-1] == ["TOTAL", "all", "1", "50.00", "1", "12.50", "37.50", "USD"]


def test_reconciliation_refuses_a_backwards_period(staff_client):
    # when
    response = staff_client.get(
        reverse("admin:payments_reconciliation"),
        {"date_from": "2026-03-10", "date_to": "2026-03-01"},
    )

    # then
    assert response.context["form"].non_field_errors() == [
        "The end date must not be before the start date."
    ]


def test_staff_can_download_a_receipt_pdf(staff_client, payments_clerk):
    # given
    invoice = InvoiceFactory()
    payment = services.payment_record_counter(
        invoice=invoice, method="cash", amount_cents=5000, actor=payments_clerk
    )

    # when
    response = staff_client.get(
        reverse("admin:payments_receipt_pdf", args=[payment.receipts.get().pk])
    )

    # then
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")


def test_cancel_action_voids_open_invoices_only(staff_client, payments_clerk):
    # given
    open_invoice, paid = InvoiceFactory(), InvoiceFactory()
    services.payment_record_counter(
        invoice=paid, method="cash", amount_cents=5000, actor=payments_clerk
    )

    # when
    staff_client.post(
        reverse("admin:payments_invoice_changelist"),
        {"action": "cancel_invoices", "_selected_action": [open_invoice.pk, paid.pk]},
    )

    # then
    open_invoice.refresh_from_db()
    paid.refresh_from_db()
    assert (open_invoice.status, paid.status) == ("void", "paid")


def _readonly_values(page: str) -> list[str]:
    """The texts of the read-only fields of an admin change page."""
    return [value.strip() for value in re.findall(r'<div class="readonly">(.*?)</div>', page)]


def test_invoice_payment_refund_and_receipt_pages_show_amounts_in_dollars(
    staff_client, payments_clerk
):
    # given: an invoice of $1,250.50 paid at the counter, then $250.25 refunded
    invoice = InvoiceFactory(lines=[LineItem("Application fee", 125050)])
    payment = services.payment_record_counter(
        invoice=invoice, method="cash", amount_cents=125050, actor=payments_clerk
    )
    staff_client.post(
        reverse("admin:payments_payment_refund", args=[payment.pk]),
        {"amount": "250.25", "reason": "Fee reduced"},
    )
    refund = Refund.objects.get()
    receipt = Receipt.objects.filter(refund__isnull=True).get()

    # when
    pages = {
        name: staff_client.get(reverse(url, args=[pk])).content.decode()
        for name, url, pk in [
            ("invoice", "admin:payments_invoice_change", invoice.pk),
            ("payment", "admin:payments_payment_change", payment.pk),
            ("refund", "admin:payments_refund_change", refund.pk),
            ("receipt", "admin:payments_receipt_change", receipt.pk),
        ]
    }

    # then
    values = {name: _readonly_values(page) for name, page in pages.items()}
    assert {"$1,250.50", "$250.25"} <= set(values["invoice"])
    assert {"$1,250.50", "$250.25"} <= set(values["payment"])
    assert "$250.25" in values["refund"]
    assert "$1,250.50" in values["receipt"]
    for name, page in pages.items():
        # Neither the fields nor the inlines' cells (invoice lines, payments) show cents.
        assert not {"125050", "100025", "25025"} & set(values[name]), name
        assert ">125050<" not in page and "<p>125050</p>" not in page, name


@pytest.mark.django_db(transaction=True)
def test_refund_requests_are_listed_and_shown_read_only(staff_client, clerk):
    # given
    invoice = InvoiceFactory()
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=5000, actor=clerk)
    services.refund_by_policy(
        invoices=[invoice],
        reason="Event cancelled",
        amount_cents=1000,
        policy="bookings.cancelled_in_time",
        idempotency_key=services.refund_key("tests.admin", invoice.pk),
    )
    request = RefundRequest.objects.get()

    # when
    listing = staff_client.get(reverse("admin:payments_refundrequest_changelist"))
    page = staff_client.get(reverse("admin:payments_refundrequest_change", args=[request.pk]))
    add = staff_client.get(reverse("admin:payments_refundrequest_add"))

    # then
    assert listing.status_code == page.status_code == 200
    assert "bookings.cancelled_in_time" in listing.content.decode()
    assert "Event cancelled" in page.content.decode()
    assert add.status_code == 403
