"""The taxes pages of the staff workbench: paper notices to mail and the reminder runs."""

import datetime

import pytest
from django.urls import reverse

from notifications.models import ReminderRule
from notifications.services import (
    notification_delivery_record,
    notifications_dispatch,
    reminders_run,
)
from taxes.models import BillEvent, PaperNotice, ParcelLink
from taxes.reminders import SOURCE_KEY
from tests.accounts.factories import UserFactory
from tests.taxes.factories import OwnerFactory, TaxBillFactory
from tests.taxes.staff_support import other_staff, tax_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tax_reminder_rules")]


@pytest.fixture
def tax_clerk():
    return tax_staff("clerk")


def _bounced_reminder():
    """A linked owner's reminder e-mail, sent, then reported bounced."""
    ReminderRule.objects.filter(source=SOURCE_KEY).update(send_at=datetime.time(0, 0))
    owner = UserFactory()
    bill = TaxBillFactory()
    OwnerFactory(parcel=bill.parcel, name="Pat Rivera", mailing_address="1 Elm Street")
    ParcelLink.objects.create(user=owner, parcel=bill.parcel)
    reminders_run(today=datetime.date(2026, 3, 17), source=SOURCE_KEY)
    notifications_dispatch()
    email = owner.notifications.get(channel="email")
    notification_delivery_record(
        provider_message_id=email.provider_message_id, delivered=False, detail="550 unknown"
    )
    return bill


def test_the_tax_clerk_sees_the_notices_and_marks_one_mailed(client, tax_clerk):
    bill = _bounced_reminder()
    client.force_login(tax_clerk)

    page = client.get(reverse("taxes_staff:paper_notices"))
    notice = PaperNotice.objects.get()
    marked = client.post(reverse("taxes_staff:paper_notices"), {"notice": notice.pk})
    again = client.post(reverse("taxes_staff:paper_notices"), {"notice": notice.pk}, follow=True)

    assert page.status_code == 200
    text = page.content.decode()
    assert bill.number in text and "1 Elm Street" in text and "550 unknown" in text
    assert "Tax bills: paper notices to mail" in [i.label for i in page.context["workbench_nav"]]
    assert marked.status_code == 302
    notice.refresh_from_db()
    assert notice.mailed_by == tax_clerk
    assert "marked mailed already" in again.content.decode()
    assert BillEvent.objects.filter(bill=bill, kind="paper_notice").count() == 1
    assert (
        "No paper notice to mail."
        in client.get(reverse("taxes_staff:paper_notices")).content.decode()
    )


def test_the_reminder_runs_page_counts_sent_and_bounced(client, tax_clerk):
    _bounced_reminder()
    client.force_login(tax_clerk)

    page = client.get(reverse("taxes_staff:reminder_runs"))

    assert page.status_code == 200
    (run,) = page.context["runs"]
    assert run.rule == "Property tax: instalment due in 14 days"
    assert (run.messages, run.emails, run.in_app, run.sent, run.bounced) == (2, 1, 1, 2, 1)


def test_staff_of_other_offices_are_refused(client):
    client.force_login(other_staff())

    assert client.get(reverse("taxes_staff:paper_notices")).status_code == 403
    assert client.get(reverse("taxes_staff:reminder_runs")).status_code == 403


def test_a_tax_cashier_sees_the_notices_but_does_not_mark_them(client):
    cashier = tax_staff("cashier")
    bill = TaxBillFactory()
    notice = PaperNotice.objects.create(
        bill=bill, notification_id=1, channel="email", address="a@example.org"
    )
    client.force_login(cashier)

    assert client.get(reverse("taxes_staff:paper_notices")).status_code == 200
    response = client.post(reverse("taxes_staff:paper_notices"), {"notice": notice.pk})

    assert response.status_code == 403
    notice.refresh_from_db()
    assert notice.mailed_at is None


def test_the_notices_page_costs_the_same_for_many(client, tax_clerk, django_assert_max_num_queries):
    client.force_login(tax_clerk)
    for n in range(2):
        PaperNotice.objects.create(
            bill=TaxBillFactory(), notification_id=n, channel="email", address="a@example.org"
        )
    with django_assert_max_num_queries(60) as few:
        client.get(reverse("taxes_staff:paper_notices"))
    for n in range(2, 12):
        bill = TaxBillFactory()
        OwnerFactory(parcel=bill.parcel)
        PaperNotice.objects.create(
            bill=bill, notification_id=n, channel="email", address="a@example.org"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("taxes_staff:paper_notices"))
