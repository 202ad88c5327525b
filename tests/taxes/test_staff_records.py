"""What the tax office's staff read: a bill's payments on its parcel's page (a duplicate
payment shown with its credit), and the reminder runs counting what was delivered beside
what was sent and what bounced."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import ReminderRule
from notifications.services import (
    notification_delivery_record,
    notifications_dispatch,
    reminders_run,
)
from taxes.charges import agency_date
from taxes.models import ParcelLink
from taxes.reminders import SOURCE_KEY
from taxes.selectors import YEAR
from taxes.services.checkout import bill_payment_start
from tests.accounts.factories import UserFactory
from tests.taxes.factories import OwnerFactory, TaxBillFactory
from tests.taxes.payers import pay_locally
from tests.taxes.staff_support import tax_staff

pytestmark = pytest.mark.django_db


def test_the_parcel_page_lists_each_payment_of_a_bill_and_its_credit(client):
    # given: the owner and someone else both started and paid the whole year ($1,234.00)
    today = agency_date(timezone.now())
    bill = TaxBillFactory(schedule=[(today + datetime.timedelta(days=30), 123400)])
    OwnerFactory(parcel=bill.parcel, name="Pat Rivera", last_name="Rivera")
    invoices = [
        bill_payment_start(bill=bill, choice=YEAR, email=email)
        for email in ("owner@example.com", "lender@example.com")
    ]
    for invoice in invoices:
        pay_locally(invoice)
    client.force_login(tax_staff())

    # when
    response = client.get(reverse("taxes_staff:parcel", args=[bill.parcel.number]))

    # then: two payments, the second all credit
    assert response.status_code == 200
    page = response.content.decode()
    assert "No payment yet." not in page
    assert page.count("$1,234.00") >= 2
    rows = [
        (payment.amount_cents, payment.credit_cents)
        for payment in response.context["bills"][0].bill.payments.all()
    ]
    assert sorted(rows) == [(123400, 0), (123400, 123400)]


def test_a_bill_not_paid_says_so_on_the_parcel_page(client):
    bill = TaxBillFactory()
    OwnerFactory(parcel=bill.parcel, name="Pat Rivera", last_name="Rivera")
    client.force_login(tax_staff())

    page = client.get(reverse("taxes_staff:parcel", args=[bill.parcel.number]))

    assert "No payment yet." in page.content.decode()


@pytest.mark.usefixtures("tax_reminder_rules")
def test_the_reminder_runs_page_counts_what_was_delivered_and_what_bounced(client):
    # given: two owners reminded by e-mail on the 14-day rule; one delivered, one bounced
    ReminderRule.objects.filter(source=SOURCE_KEY).update(send_at=datetime.time(0, 0))
    owners = [UserFactory(), UserFactory()]
    for owner in owners:
        ParcelLink.objects.create(user=owner, parcel=TaxBillFactory().parcel)
    reminders_run(today=datetime.date(2026, 3, 17), source=SOURCE_KEY)
    notifications_dispatch()
    delivered, bounced = (owner.notifications.get(channel="email") for owner in owners)
    notification_delivery_record(provider_message_id=delivered.provider_message_id, delivered=True)
    notification_delivery_record(
        provider_message_id=bounced.provider_message_id, delivered=False, detail="550 unknown"
    )
    client.force_login(tax_staff("clerk"))

    # when
    page = client.get(reverse("taxes_staff:reminder_runs"))

    # then: two e-mails and two in-app messages sent; one e-mail delivered, one bounced
    assert page.status_code == 200
    (run,) = page.context["runs"]
    assert (run.messages, run.emails, run.sent) == (4, 2, 4)
    assert (run.delivered, run.bounced) == (1, 1)
