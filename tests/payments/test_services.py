import datetime
import subprocess

import pytest
from django.core import checks
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from notifications.models import Notification
from payments import services
from payments.exceptions import (
    InvoiceNotOpen,
    InvoiceNotPayable,
    OnlinePaymentUnavailable,
    PaymentRefused,
    RefundRefused,
)
from payments.models import (
    Invoice,
    InvoiceStatus,
    Payment,
    Receipt,
    Refund,
    ReviewReason,
    SettlementSource,
)
from payments.services import LineItem, SettleOutcome
from payments.signals import invoice_status_changed
from tests.payments.factories import GuestInvoiceFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

SUCCESS = "https://portal.example.gov/payments/return/"
CANCEL = "https://portal.example.gov/payments/cancel/"


@pytest.fixture
def announcements():
    """Every invoice_status_changed sent during the test, as (old, new, kwargs)."""
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    invoice_status_changed.connect(receiver, dispatch_uid="tests.payments.announcements")
    yield heard
    invoice_status_changed.disconnect(dispatch_uid="tests.payments.announcements")


def pay_locally(invoice: Invoice) -> Payment:
    payment = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    services.payment_local_complete(payment=payment, approved=True)
    payment.refresh_from_db()
    return payment


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


# --- Invoices ------------------------------------------------------------------------------


def test_invoice_create_writes_lines_total_reference_and_agency_currency(resident, settings):
    # given
    settings.AGENCY = {**settings.AGENCY, "currency": "usd"}

    # when
    invoice = services.invoice_create(
        purpose="licensing.application_fee",
        description="Food truck license",
        lines=[LineItem("Application fee", 7500), LineItem("Inspection", 2500, quantity=2)],
        payer=resident,
        due_date=datetime.date(2026, 3, 1),
        notify=False,
    )

    # then
    invoice.refresh_from_db()
    assert invoice.reference.startswith(f"INV-{timezone.localdate().year}-")
    assert (invoice.total_cents, invoice.currency, invoice.status) == (12500, "USD", "open")
    assert [
        (line.position, line.description, line.quantity, line.amount_cents)
        for line in invoice.lines.all()
    ] == [
        (1, "Application fee", 1, 7500),
        (2, "Inspection", 2, 5000),
    ]


def test_invoice_create_links_what_it_pays_for(resident):
    # given: any saved row stands for the thing paid for
    subject = resident

    # when
    invoice = InvoiceFactory(subject=subject)

    # then
    assert (invoice.subject_type.model, invoice.subject_id, invoice.subject) == (
        "user",
        resident.pk,
        resident,
    )


def test_invoice_create_tells_a_guest_with_a_signed_link(mailoutbox):
    # when
    invoice = GuestInvoiceFactory(guest_email="pat@example.net", notify=True)

    # then
    rows = Notification.objects.filter(dedupe_key__startswith=f"payments:invoice:{invoice.pk}:")
    assert [(n.channel, n.to_address) for n in rows] == [("email", "pat@example.net")]
    assert "/payments/guest/" in rows[0].link_url


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "An invoice needs at least one line."),
        (
            [LineItem("Fee", -1)],
            "A charge cannot be negative: make it a credit or an adjustment.",
        ),
        (
            [LineItem("Fee", True)],
            "A line's unit amount must be a whole number of cents.",
        ),
        (
            [LineItem("Fee", 500), LineItem("Discount", 100, kind="credit")],
            "A credit takes money off: its amount must be below zero.",
        ),
        (
            [LineItem("Fee", 500), LineItem("Discount", -500, kind="credit")],
            "An invoice must ask for more than nothing.",
        ),
        (
            [LineItem("Fee", 10, quantity=0)],
            "A line's quantity must be a whole number of at least 1.",
        ),
        ([LineItem("Fee", 0)], "An invoice must ask for more than nothing."),
    ],
)
def test_invoice_create_refuses_bad_lines(resident, lines, message):
    # when
    with pytest.raises(ValueError) as error:
        services.invoice_create(purpose="tests.fee", description="Fee", lines=lines, payer=resident)

    # then
    assert str(error.value) == message
    assert Invoice.objects.count() == 0


def test_invoice_create_refuses_an_invoice_nobody_can_pay():
    # when
    with pytest.raises(ValueError) as error:
        services.invoice_create(
            purpose="tests.fee", description="Fee", lines=[LineItem("Fee", 100)]
        )

    # then
    assert str(error.value) == "An invoice needs a payer: an account or a guest's e-mail address."


def test_invoice_void_cancels_and_announces(announcements):
    # given
    invoice = InvoiceFactory(purpose="bookings.facility")

    # when
    services.invoice_void(invoice=invoice)

    # then
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID
    assert [(a["purpose"], a["old_status"], a["new_status"]) for a in announcements] == [
        ("bookings.facility", "open", "void")
    ]


def test_invoice_void_refuses_a_paid_invoice():
    # given
    invoice = InvoiceFactory()
    pay_locally(invoice)

    # when / then
    with pytest.raises(InvoiceNotOpen):
        services.invoice_void(invoice=invoice)


def test_invoices_expire_due_expires_past_holds_and_leaves_the_rest(announcements):
    # given
    now = timezone.now()
    past = InvoiceFactory(expires_at=now - datetime.timedelta(minutes=1))
    future = InvoiceFactory(expires_at=now + datetime.timedelta(hours=1))
    no_expiry = InvoiceFactory()

    # when
    count = services.invoices_expire_due(now=now)
    again = services.invoices_expire_due(now=now)

    # then
    statuses = dict(Invoice.objects.values_list("pk", "status"))
    assert (count, again) == (1, 0)
    assert (statuses[past.pk], statuses[future.pk], statuses[no_expiry.pk]) == (
        "expired",
        "open",
        "open",
    )
    assert [(a["invoice_id"], a["new_status"]) for a in announcements] == [(past.pk, "expired")]


def test_invoices_expire_due_waits_for_a_payer_in_the_middle_of_paying():
    # given: the hold ends while the payer is on the checkout page
    invoice = InvoiceFactory(expires_at=timezone.now() + datetime.timedelta(seconds=30))
    services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)

    # when
    count = services.invoices_expire_due(now=timezone.now() + datetime.timedelta(minutes=1))

    # then
    invoice.refresh_from_db()
    assert (count, invoice.status) == (0, "open")


# --- Database constraints ------------------------------------------------------------------


def test_database_refuses_a_refund_total_above_what_was_paid():
    # given
    invoice = InvoiceFactory()
    pay_locally(invoice)

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(
            amount_refunded_cents=F("amount_paid_cents") + 1, status="refunded"
        )


def test_database_refuses_more_paid_than_the_invoice_total():
    # given: an invoice paid in full
    invoice = InvoiceFactory()
    pay_locally(invoice)

    # when / then: a second payment counted on top of it
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(amount_paid_cents=F("amount_paid_cents") + 1)


@pytest.mark.parametrize(
    "changes",
    [
        {"total_cents": -1},
        {"status": "paid"},  # paid without the money
        {"amount_paid_cents": 100},  # money on an open invoice
    ],
)
def test_database_refuses_inconsistent_invoice_amounts(changes):
    # given
    invoice = InvoiceFactory()

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(**changes)


def test_database_refuses_a_line_amount_that_is_not_quantity_times_unit():
    # given
    invoice = InvoiceFactory()

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        invoice.lines.update(amount_cents=1)


# --- Checkout attempts ---------------------------------------------------------------------


def test_attempt_start_opens_a_local_checkout():
    # given
    invoice = InvoiceFactory()

    # when
    payment = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )

    # then
    assert (payment.gateway, payment.status, payment.amount_cents, payment.method) == (
        "local",
        "pending",
        5000,
        "test",
    )
    assert payment.checkout_url == f"/payments/test-gateway/{payment.public_id}/"
    assert payment.expires_at > timezone.now() + datetime.timedelta(minutes=55)


def test_attempt_start_twice_returns_the_same_attempt():
    # given
    invoice = InvoiceFactory()
    first = services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)

    # when: a double click
    second = services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)

    # then
    assert second.pk == first.pk
    assert invoice.payments.count() == 1


def test_attempt_start_replaces_an_expired_attempt():
    # given
    invoice = InvoiceFactory()
    old = services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)
    Payment.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    # when
    new = services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)

    # then
    old.refresh_from_db()
    assert new.pk != old.pk
    assert (old.status, old.failure_reason, new.status) == (
        "expired",
        "Replaced by a new attempt",
        "pending",
    )


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (pay_locally, "This invoice has already been paid."),
        (
            lambda i: services.invoice_void(invoice=i),
            "This invoice was cancelled and cannot be paid.",
        ),
    ],
)
def test_attempt_start_refuses_an_invoice_that_cannot_be_paid(prepare, message):
    # given
    invoice = InvoiceFactory()
    prepare(invoice)
    attempts = invoice.payments.count()

    # when
    with pytest.raises(InvoiceNotPayable) as error:
        services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)

    # then
    assert str(error.value) == message
    assert invoice.payments.count() == attempts


def test_attempt_start_refuses_an_invoice_past_its_expiry():
    # given
    invoice = InvoiceFactory(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    # when / then
    with pytest.raises(InvoiceNotPayable, match="expired"):
        services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)


def test_attempt_start_without_an_online_gateway(settings):
    # given
    settings.PAYMENTS_GATEWAY = "none"
    invoice = InvoiceFactory()

    # when / then
    with pytest.raises(OnlinePaymentUnavailable):
        services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)
    assert invoice.payments.count() == 0


# --- Settlement ----------------------------------------------------------------------------


def test_local_approval_pays_issues_a_receipt_announces_and_emails_it(
    announcements, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    invoice = InvoiceFactory(purpose="licensing.application_fee")
    payment = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.payment_local_complete(payment=payment, approved=True)

    # then
    invoice.refresh_from_db()
    payment.refresh_from_db()
    receipt = Receipt.objects.get()
    assert outcome == SettleOutcome.SETTLED
    assert (invoice.status, invoice.amount_paid_cents) == ("paid", 5000)
    assert (payment.status, payment.settled_via, payment.method) == ("succeeded", "local", "test")
    assert (receipt.kind, receipt.amount_cents, receipt.payment_id) == ("payment", 5000, payment.pk)
    assert [(a["old_status"], a["new_status"], a["amount_paid_cents"]) for a in announcements] == [
        ("open", "paid", 5000)
    ]
    [message] = mailoutbox
    assert message.to == [invoice.payer.email]
    assert message.subject == f"Payment received: $50.00 for invoice {invoice.reference}"
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"receipt-{receipt.number}.pdf", "application/pdf")
    assert receipt.number in pdf_text(content)
    receipt.refresh_from_db()
    assert receipt.emailed_at is not None


def test_settling_twice_changes_nothing_the_second_time(announcements):
    # given
    invoice = InvoiceFactory()
    payment = pay_locally(invoice)

    # when
    outcome = services.payment_settle(
        payment=payment, amount_cents=5000, currency="USD", source=SettlementSource.LOCAL
    )

    # then
    assert outcome == SettleOutcome.ALREADY_SETTLED
    assert (Receipt.objects.count(), len(announcements)) == (1, 1)


def test_local_decline_leaves_the_invoice_open():
    # given
    invoice = InvoiceFactory()
    payment = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )

    # when
    outcome = services.payment_local_complete(payment=payment, approved=False)

    # then
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert outcome is None
    assert (invoice.status, payment.status, payment.failure_reason) == (
        "open",
        "failed",
        "Declined on the test gateway",
    )


def test_local_approval_after_the_attempt_expired_pays_nothing():
    # given
    invoice = InvoiceFactory()
    payment = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now())

    # when
    outcome = services.payment_local_complete(payment=payment, approved=True)

    # then
    invoice.refresh_from_db()
    assert (outcome, invoice.status, invoice.payments.get().status) == (None, "open", "expired")


def test_settle_with_a_different_amount_is_flagged_not_applied(announcements):
    # given
    invoice = InvoiceFactory()
    payment = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )

    # when
    outcome = services.payment_settle(
        payment=payment, amount_cents=4999, currency="USD", source=SettlementSource.WEBHOOK
    )

    # then
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert outcome == SettleOutcome.FLAGGED
    assert (invoice.status, invoice.amount_paid_cents) == ("open", 0)
    assert (payment.status, payment.review_reason, payment.amount_cents) == (
        "needs_review",
        ReviewReason.AMOUNT_MISMATCH,
        4999,
    )
    assert announcements == []


def test_settle_in_another_currency_is_flagged():
    # given
    invoice = InvoiceFactory()
    payment = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )

    # when
    outcome = services.payment_settle(
        payment=payment, amount_cents=5000, currency="EUR", source=SettlementSource.WEBHOOK
    )

    # then
    payment.refresh_from_db()
    assert (outcome, payment.review_reason) == (SettleOutcome.FLAGGED, "amount_mismatch")


def test_money_arriving_for_an_invoice_already_paid_is_flagged_as_duplicate(clerk):
    # given: the payer paid online, the attempt was lost, they paid at the counter
    invoice = InvoiceFactory()
    online = services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=5000, actor=clerk)

    # when: the online money arrives after all
    outcome = services.payment_settle(
        payment=online, amount_cents=5000, currency="USD", source=SettlementSource.WEBHOOK
    )

    # then
    online.refresh_from_db()
    assert (outcome, online.status, online.review_reason) == (
        SettleOutcome.FLAGGED,
        "needs_review",
        ReviewReason.DUPLICATE,
    )
    assert invoice.payments.filter(status="succeeded").count() == 1


# --- Counter payments ----------------------------------------------------------------------


def test_counter_payment_settles_and_closes_the_online_attempt(clerk):
    # given
    invoice = GuestInvoiceFactory()
    online = services.payment_attempt_start(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)

    # when
    payment = services.payment_record_counter(
        invoice=invoice, method="check", amount_cents=5000, actor=clerk, note="Check 1042"
    )

    # then
    invoice.refresh_from_db()
    online.refresh_from_db()
    assert (payment.gateway, payment.method, payment.status, payment.recorded_by) == (
        "counter",
        "check",
        "succeeded",
        clerk,
    )
    assert (invoice.status, online.status, online.failure_reason) == (
        "paid",
        "expired",
        "Paid at the counter instead",
    )


@pytest.mark.parametrize(
    ("method", "amount", "message"),
    [
        ("cash", 4000, "This invoice is paid in one payment of $50.00."),
        ("bitcoin", 5000, "Choose cash, check or card at the desk."),
    ],
)
def test_counter_payment_refuses_a_wrong_amount_or_method(clerk, method, amount, message):
    # given
    invoice = InvoiceFactory()

    # when
    with pytest.raises(PaymentRefused) as error:
        services.payment_record_counter(
            invoice=invoice, method=method, amount_cents=amount, actor=clerk
        )

    # then
    assert str(error.value) == message
    assert invoice.payments.count() == 0


def test_counter_payment_needs_staff(resident):
    # given
    invoice = InvoiceFactory()

    # when / then
    with pytest.raises(PaymentRefused, match="Only active staff"):
        services.payment_record_counter(
            invoice=invoice, method="cash", amount_cents=5000, actor=resident
        )


# --- Refunds -------------------------------------------------------------------------------


def test_partial_then_full_refund_follow_the_invoice_status(clerk, announcements, mailoutbox):
    # given
    invoice = InvoiceFactory(purpose="permits.fee")
    payment = pay_locally(invoice)
    announcements.clear()

    # when
    services.refund_issue(payment=payment, amount_cents=2000, reason="Fee reduced", actor=clerk)
    invoice.refresh_from_db()
    after_partial = (invoice.status, invoice.amount_refunded_cents)
    services.refund_issue(payment=payment, amount_cents=3000, reason="Withdrawn", actor=clerk)

    # then
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert after_partial == ("partially_refunded", 2000)
    assert (invoice.status, invoice.amount_refunded_cents, payment.amount_refunded_cents) == (
        "refunded",
        5000,
        5000,
    )
    assert [
        (a["old_status"], a["new_status"], a["amount_refunded_cents"]) for a in announcements
    ] == [
        ("paid", "partially_refunded", 2000),
        ("partially_refunded", "refunded", 5000),
    ]
    assert list(Receipt.objects.filter(kind="refund").values_list("amount_cents", flat=True)) == [
        2000,
        3000,
    ]
    in_app = Notification.objects.filter(template_key="payments/refund_issued", channel="in_app")
    assert in_app.count() == 2


def test_refund_above_what_is_left_is_refused_and_changes_nothing(clerk):
    # given
    invoice = InvoiceFactory()
    payment = pay_locally(invoice)
    services.refund_issue(payment=payment, amount_cents=4000, reason="Partly", actor=clerk)

    # when
    with pytest.raises(RefundRefused) as error:
        services.refund_issue(payment=payment, amount_cents=1001, reason="Too much", actor=clerk)

    # then
    assert str(error.value) == (
        "A refund cannot be more than what is left of the payment ($10.00)."
    )
    assert Refund.objects.count() == 1


@pytest.mark.parametrize("amount", [0, -5, 12.5])
def test_refund_must_be_a_positive_whole_amount(clerk, amount):
    # given
    payment = pay_locally(InvoiceFactory())

    # when / then
    with pytest.raises(RefundRefused, match="positive amount"):
        services.refund_issue(payment=payment, amount_cents=amount, reason="x", actor=clerk)


def test_refund_needs_staff_and_a_reason(resident, clerk):
    # given
    payment = pay_locally(InvoiceFactory())

    # when / then
    with pytest.raises(RefundRefused, match="Only active staff"):
        services.refund_issue(payment=payment, amount_cents=100, reason="x", actor=resident)
    with pytest.raises(RefundRefused, match="reason"):
        services.refund_issue(payment=payment, amount_cents=100, reason="  ", actor=clerk)


def test_refund_of_a_payment_that_did_not_succeed_is_refused(clerk):
    # given
    invoice = InvoiceFactory()
    payment = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )

    # when / then
    with pytest.raises(RefundRefused, match="Only a successful payment"):
        services.refund_issue(payment=payment, amount_cents=100, reason="x", actor=clerk)


def test_flagged_payment_review_can_be_resolved_once(clerk):
    # given
    invoice = InvoiceFactory()
    payment = services.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    services.payment_settle(payment=payment, amount_cents=1, currency="USD", source="webhook")

    # when
    services.payment_review_resolve(payment=payment, actor=clerk, note="Refunded in Stripe")

    # then
    payment.refresh_from_db()
    assert (payment.reviewed_by, payment.note) == (clerk, "Refunded in Stripe")


def test_deploy_check_warns_about_the_local_gateway_without_debug(settings):
    # given
    settings.DEBUG = False
    settings.PAYMENTS_GATEWAY = "local"

    # when
    found = checks.run_checks(tags=[checks.Tags.security], include_deployment_checks=True)

    # then
    assert "payments.W001" in [message.id for message in found]
