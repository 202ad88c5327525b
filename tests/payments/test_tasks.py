import datetime

import pytest
from django.utils import timezone

from payments import services
from payments.models import Receipt
from payments.tasks import check_stale_attempts, email_receipt, expire_invoices
from tests.payments.factories import GuestInvoiceFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def test_email_receipt_sends_once_however_often_it_runs(clerk, mailoutbox):
    # given: the receipt exists (its own e-mail not sent yet: on_commit did not run)
    invoice = GuestInvoiceFactory(guest_email="pat@example.net")
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=5000, actor=clerk)
    receipt = Receipt.objects.get()

    # when
    results = [email_receipt(receipt.pk), email_receipt(receipt.pk)]

    # then
    assert results == [True, False]
    assert [m.to for m in mailoutbox] == [["pat@example.net"]]


def test_email_receipt_respects_a_resident_who_turned_email_off(clerk, resident, mailoutbox):
    # given
    resident.notify_by_email = False
    resident.save()
    invoice = InvoiceFactory(payer=resident)
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=5000, actor=clerk)

    # when
    sent = email_receipt(Receipt.objects.get().pk)

    # then
    assert (sent, mailoutbox) == (False, [])


def test_email_receipt_in_the_guests_language(clerk, mailoutbox):
    # given
    invoice = GuestInvoiceFactory(language="es")
    services.payment_record_counter(invoice=invoice, method="cash", amount_cents=5000, actor=clerk)

    # when
    email_receipt(Receipt.objects.get().pk)

    # then: rendered in Spanish (its number format shows even before every string is translated)
    assert "$50,00" in mailoutbox[0].subject


def test_email_receipt_for_a_receipt_that_does_not_exist():
    assert email_receipt(123456) is False


def test_expire_invoices_task():
    # given
    invoice = InvoiceFactory(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    # when
    count = expire_invoices()

    # then
    invoice.refresh_from_db()
    assert (count, invoice.status) == (1, "expired")


def test_check_stale_attempts_expires_abandoned_local_checkouts(settings):
    # given
    invoice = InvoiceFactory()
    attempt = services.payment_attempt_start(
        invoice=invoice, success_url="https://x/", cancel_url="https://x/"
    )
    attempt.expires_at = timezone.now() - datetime.timedelta(
        minutes=settings.PAYMENTS_WEBHOOK_GRACE_MINUTES + 1
    )
    attempt.save(update_fields=["expires_at"])

    # when
    count = check_stale_attempts()

    # then
    attempt.refresh_from_db()
    assert (count, attempt.status) == (1, "expired")
