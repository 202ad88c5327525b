"""Balances: part payments above a minimum, adjustment and credit lines, a payer who is not
the person billed, and the database rules that keep them consistent."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse

from notifications.models import Notification
from payments import services
from payments.exceptions import InvoiceNotOpen, InvoiceNotPayable, PaymentRefused
from payments.models import Invoice, InvoiceLine, Receipt
from payments.services import LineItem
from payments.signals import invoice_status_changed
from payments.tokens import guest_token
from tests.payments.factories import GuestInvoiceFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

SUCCESS = "https://portal.example.gov/return/"
CANCEL = "https://portal.example.gov/cancel/"


@pytest.fixture
def staff_client(client, payments_clerk):
    client.force_login(payments_clerk)
    return client


@pytest.fixture
def announcements():
    heard = []

    def receiver(sender, **kwargs):
        heard.append((kwargs["old_status"], kwargs["new_status"], kwargs["amount_paid_cents"]))

    invoice_status_changed.connect(receiver, dispatch_uid="tests.payments.balances")
    yield heard
    invoice_status_changed.disconnect(dispatch_uid="tests.payments.balances")


def instalments(**kwargs) -> Invoice:
    """$100.00 that may be paid in parts of at least $25.00."""
    return InvoiceFactory(
        lines=[LineItem("Property tax, first half", 10000)], minimum_payment_cents=2500, **kwargs
    )


# --- Part payments -------------------------------------------------------------------------


def test_two_part_payments_make_the_invoice_partly_paid_then_paid(clerk, announcements):
    # given
    invoice = instalments()

    # when
    first = services.payment_record_counter(
        invoice=invoice, method="cash", amount_cents=4000, actor=clerk
    )
    invoice.refresh_from_db()
    between = (invoice.status, invoice.amount_paid_cents, invoice.balance_cents)
    second = services.payment_record_counter(
        invoice=invoice, method="check", amount_cents=6000, actor=clerk
    )

    # then
    invoice.refresh_from_db()
    assert between == ("partially_paid", 4000, 6000)
    assert (invoice.status, invoice.amount_paid_cents, invoice.balance_cents) == ("paid", 10000, 0)
    assert invoice.paid_at is not None
    assert announcements == [("open", "partially_paid", 4000), ("partially_paid", "paid", 10000)]
    assert sorted(Receipt.objects.values_list("payment_id", "amount_cents")) == [
        (first.pk, 4000),
        (second.pk, 6000),
    ]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (2000, "A part payment must be at least $25.00."),
        (10001, "A payment cannot be more than the balance due ($100.00)."),
        (0, "A payment must be for a positive amount."),
    ],
)
def test_a_part_payment_below_the_minimum_or_above_the_balance_is_refused(clerk, amount, message):
    # given
    invoice = instalments()

    # when
    with pytest.raises(PaymentRefused) as error:
        services.payment_record_counter(
            invoice=invoice, method="cash", amount_cents=amount, actor=clerk
        )

    # then
    assert str(error.value) == message
    assert invoice.payments.count() == 0


def test_the_last_part_may_be_below_the_minimum_when_that_is_all_that_is_left(clerk):
    # given: $90 paid of $100, the minimum part is $25
    invoice = instalments()
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=9000, actor=clerk)

    # when
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=1000, actor=clerk)

    # then
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_an_invoice_without_a_minimum_takes_no_part_payment(clerk):
    # given
    invoice = InvoiceFactory()

    # when / then
    with pytest.raises(PaymentRefused, match="paid in one payment of"):
        services.payment_attempt_start(
            invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL, amount_cents=1000
        )


def test_a_paid_invoice_takes_no_further_payment(clerk):
    # given
    invoice = instalments()
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=10000, actor=clerk)

    # when / then
    with pytest.raises(InvoiceNotPayable):
        services.payment_record_counter(
            invoice=invoice, method="cash", amount_cents=2500, actor=clerk
        )


def test_a_part_payment_online_through_the_local_gateway():
    # given
    invoice = instalments()

    # when
    attempt = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL, amount_cents=3000
    )
    services.payment_local_complete(payment=attempt, approved=True)

    # then
    invoice.refresh_from_db()
    assert (attempt.amount_cents, invoice.status, invoice.balance_cents) == (
        3000,
        "partially_paid",
        7000,
    )


def test_a_new_amount_replaces_the_checkout_in_progress():
    # given
    invoice = instalments()
    first = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL, amount_cents=3000
    )

    # when
    second = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL, amount_cents=5000
    )

    # then
    first.refresh_from_db()
    assert (first.status, second.status, second.amount_cents) == ("expired", "pending", 5000)


def test_stripe_part_payments_replayed_and_out_of_order_count_once_each(stripe_gateway, post_event):
    # given: two part payments at Stripe
    invoice = instalments()
    first = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL, amount_cents=4000
    )
    first_done = stripe_gateway.event(
        "checkout.session.completed", stripe_gateway.pay(first.provider_reference)
    )
    post_event(first_done)
    second = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL, amount_cents=6000
    )
    second_session = stripe_gateway.pay(second.provider_reference)
    second_done = stripe_gateway.event("checkout.session.completed", second_session)

    # when: the second arrives, then the first again, an expiry of the second, the second again
    statuses = [
        post_event(second_done).status_code,
        post_event(first_done).status_code,
        post_event(
            stripe_gateway.event(
                "checkout.session.expired", {**second_session, "status": "expired"}
            )
        ).status_code,
        post_event(second_done).status_code,
    ]

    # then
    invoice.refresh_from_db()
    assert statuses == [200] * 4
    assert (invoice.status, invoice.amount_paid_cents) == ("paid", 10000)
    assert invoice.payments.filter(status="succeeded").count() == 2
    assert Receipt.objects.filter(invoice=invoice).count() == 2


def test_money_above_the_balance_is_kept_for_review_not_applied(stripe_gateway, post_event, clerk):
    # given: a checkout for the whole balance, then most of it paid at the counter
    invoice = instalments()
    online = services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)
    session = stripe_gateway.pay(online.provider_reference)
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=9000, actor=clerk)

    # when: the online money arrives after all
    response = post_event(stripe_gateway.event("checkout.session.completed", session))

    # then
    invoice.refresh_from_db()
    online.refresh_from_db()
    assert response.json() == {"status": "flagged"}
    assert (online.status, online.review_reason) == ("needs_review", "over_balance")
    assert (invoice.status, invoice.amount_paid_cents) == ("partially_paid", 9000)


# --- Adjustment and credit lines -------------------------------------------------------------


def test_a_credit_line_lowers_the_total_and_shows_as_a_credit(resident):
    # when
    invoice = services.invoice_create(
        purpose="tests.fee",
        description="Fee with a senior discount",
        lines=[
            LineItem("Pavilion, 4 hours", 2500, quantity=4),
            LineItem("Senior discount", -1000, kind="credit"),
            LineItem("Correction", 250, kind="adjustment"),
        ],
        payer=resident,
        notify=False,
    )

    # then
    assert invoice.total_cents == 9250
    assert list(invoice.lines.values_list("kind", "amount_cents")) == [
        ("charge", 10000),
        ("credit", -1000),
        ("adjustment", 250),
    ]


def test_a_credit_added_later_that_covers_the_balance_settles_the_invoice(clerk, announcements):
    # given: $60 paid of $100
    invoice = instalments()
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=6000, actor=clerk)

    # when
    invoice = services.invoice_add_line(
        invoice=invoice, line=LineItem("Hardship credit", -4000, kind="credit")
    )

    # then
    assert (invoice.status, invoice.total_cents, invoice.balance_cents) == ("paid", 6000, 0)
    assert announcements[-1] == ("partially_paid", "paid", 6000)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (LineItem("Too big a credit", -6001, kind="credit"), "below what was already paid"),
        (LineItem("Not a credit", 100, kind="credit"), "must be below zero"),
        (LineItem("Negative charge", -100), "A charge cannot be negative"),
    ],
)
def test_a_line_that_would_break_the_balance_is_refused(clerk, line, message):
    # given: $40 paid of $100
    invoice = instalments()
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=4000, actor=clerk)

    # when / then
    with pytest.raises(ValueError, match=message):
        services.invoice_add_line(invoice=invoice, line=line)
    invoice.refresh_from_db()
    assert (invoice.total_cents, invoice.lines.count()) == (10000, 1)


def test_a_closed_invoice_takes_no_new_line():
    # given
    invoice = InvoiceFactory()
    services.invoice_void(invoice=invoice)

    # when / then
    with pytest.raises(InvoiceNotOpen):
        services.invoice_add_line(invoice=invoice, line=LineItem("Late fee", 500))


# --- The database's rules ---------------------------------------------------------------------


def test_database_refuses_a_total_that_is_not_the_sum_of_the_lines():
    # given
    invoice = InvoiceFactory()

    # when / then: the deferred check, run now instead of at commit
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(total_cents=4000)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_database_refuses_a_line_added_without_its_total():
    # given
    invoice = InvoiceFactory()

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.create(
            invoice=invoice,
            position=2,
            description="Sneaked in",
            unit_amount_cents=100,
            amount_cents=100,
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "charge", "unit_amount_cents": -100, "amount_cents": -100},
        {"kind": "credit", "unit_amount_cents": 100, "amount_cents": 100},
    ],
)
def test_database_refuses_a_line_whose_sign_is_not_its_kind(changes):
    # given
    invoice = InvoiceFactory()

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        invoice.lines.update(**changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "partially_paid"},  # partly paid with nothing paid
        {"status": "partially_paid", "amount_paid_cents": F("total_cents")},  # nothing left
        {"status": "open", "amount_paid_cents": 100},
        {"minimum_payment_cents": 0},
    ],
)
def test_database_refuses_a_part_payment_status_that_is_not_the_amounts(changes):
    # given
    invoice = instalments()

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(**changes)


# --- A payer who is not the person billed -------------------------------------------------------


def test_someone_else_pays_gets_the_receipt_and_the_person_billed_is_told(
    clerk, resident, mailoutbox, django_capture_on_commit_callbacks
):
    # given: the resident's daughter pays part of the bill at the counter
    invoice = instalments(payer=resident)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.payment_record_counter(
            invoice=invoice,
            method="cash",
            amount_cents=2500,
            actor=clerk,
            payer_name="Dana Relative",
            payer_email="dana@example.net",
        )

    # then
    assert (payment.payer_name, payment.payer_email) == ("Dana Relative", "dana@example.net")
    assert [message.to for message in mailoutbox if message.attachments] == [["dana@example.net"]]
    told = Notification.objects.filter(template_key="payments/paid_by_other", recipient=resident)
    assert set(told.values_list("channel", flat=True)) >= {"in_app", "email"}
    assert "Dana Relative" in told.get(channel="in_app").body
    assert not Notification.objects.filter(
        template_key="payments/payment_received", recipient=resident
    ).exists()


def test_a_guest_billed_is_told_by_e_mail_when_a_lender_pays(
    clerk, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    invoice = GuestInvoiceFactory(minimum_payment_cents=1000)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_record_counter(
            invoice=invoice,
            method="check",
            amount_cents=5000,
            actor=clerk,
            payer_name="First Lender Bank",
            payer_email="escrow@lender.example",
        )

    # then
    told = Notification.objects.get(template_key="payments/paid_by_other")
    assert (told.channel, told.to_address) == ("email", invoice.guest_email)
    assert [message.to for message in mailoutbox if message.attachments] == [
        ["escrow@lender.example"]
    ]


# --- The pages -------------------------------------------------------------------------------


def test_the_payer_chooses_a_part_amount_and_names_who_pays(client):
    # given
    invoice = instalments(payer=None, guest_name="Pat Guest", guest_email="pat@example.net")
    token = guest_token(invoice=invoice)

    # when
    page = client.get(reverse("payments:guest_invoice", kwargs={"token": token}))
    response = client.post(
        reverse("payments:guest_invoice_pay", kwargs={"token": token}),
        {"amount": "30.00", "payer_name": "Sam Payer", "payer_email": "sam@example.net"},
    )

    # then
    attempt = invoice.payments.get()
    assert 'name="amount"' in page.content.decode()
    assert response.status_code == 303
    assert (attempt.amount_cents, attempt.payer_name, attempt.payer_email) == (
        3000,
        "Sam Payer",
        "sam@example.net",
    )


def test_the_pay_page_says_why_an_amount_is_refused(client):
    # given
    invoice = instalments(payer=None, guest_name="Pat Guest", guest_email="pat@example.net")
    token = guest_token(invoice=invoice)

    # when
    response = client.post(
        reverse("payments:guest_invoice_pay", kwargs={"token": token}), {"amount": "10.00"}
    )

    # then
    assert response.status_code == 400
    assert "A part payment must be at least $25.00." in response.content.decode()
    assert invoice.payments.count() == 0


def test_the_cashier_records_a_part_payment_by_a_relative(staff_client, mailoutbox):
    # given
    invoice = instalments()

    # when
    response = staff_client.post(
        reverse("admin:payments_invoice_counter_payment", args=[invoice.pk]),
        {
            "method": "cash",
            "amount": "30.00",
            "payer_name": "Dana Relative",
            "payer_email": "dana@example.net",
        },
    )

    # then
    invoice.refresh_from_db()
    payment = invoice.payments.get()
    assert response.status_code == 302
    assert (invoice.status, payment.amount_cents, payment.payer_email) == (
        "partially_paid",
        3000,
        "dana@example.net",
    )


def test_the_balance_is_shown_on_a_partly_paid_invoice(client, clerk, resident):
    # given
    invoice = instalments(payer=resident)
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=4000, actor=clerk)
    client.force_login(resident)

    # when
    page = client.get(reverse("payments:invoice", kwargs={"reference": invoice.reference}))

    # then
    text = page.content.decode()
    assert page.status_code == 200
    assert "Balance due" in text and "$60.00" in text
