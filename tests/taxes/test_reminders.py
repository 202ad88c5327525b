"""Tax-due reminders (taxes.reminders through the shared engine), bounces flagged for a paper
notice, and the bill-published notice."""

import base64
import datetime
import hashlib
import hmac

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, ReminderOccurrence, ReminderRule
from notifications.services import (
    notification_delivery_record,
    notifications_dispatch,
    reminders_run,
)
from taxes.exceptions import NoticeRefused
from taxes.models import BillEvent, PaperNotice, ParcelLink, TaxBill
from taxes.reminders import SOURCE_KEY
from taxes.services import ebills, notices
from taxes.services.batches import batch_payment_start, batch_upload
from taxes.services.checkout import bill_payment_start
from taxes.services.payments import bill_payment_apply
from taxes.services.roll import roll_import
from tests.accounts.factories import UserFactory
from tests.taxes.factories import TaxBillFactory
from tests.taxes.payers import csv_file
from tests.taxes.roll_files import roll, row
from tests.taxes.staff_support import tax_staff
from tests.taxes.test_checkout import pay_locally

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tax_reminder_rules")]

TODAY = datetime.date(2026, 3, 17)  # 14 days before the first instalment (March 31)


def _link(user, bill, *, paperless=False) -> ParcelLink:
    link = ParcelLink.objects.create(user=user, parcel=bill.parcel)
    if paperless:
        ebills.paperless_set(user=user, link_ids=[link.pk])
    return link


def _confirmed(recipient):
    """The recipient after following the link of their confirmation message."""
    return ebills.recipient_confirm(token=ebills.recipient_confirm_token(recipient))


def _messages():
    return sorted(
        Notification.objects.filter(template_key="taxes/instalment_reminder").values_list(
            "channel", "to_address", "recipient_id", "language"
        ),
        key=str,
    )


def test_the_migration_makes_the_default_rules():
    rules = ReminderRule.objects.filter(source=SOURCE_KEY).order_by("-days")
    assert [(r.days, r.timing, r.catch_up_days) for r in rules] == [
        (14, "before", 7),
        (3, "before", 3),
        (0, "before", 1),
    ]


def test_owners_and_delegates_are_reminded_once_in_their_language():
    # given: a Spanish-speaking owner, a delegate without an account, one with an account
    owner = UserFactory(email="ana@example.org", preferred_language="es")
    delegate = UserFactory(email="acct@example.net", preferred_language="en")
    bill = TaxBillFactory()
    link = _link(owner, bill)
    for email, relationship in [
        ("hijo@example.net", "relative"),
        ("acct@example.net", "accountant"),
    ]:
        _confirmed(ebills.recipient_add(link=link, email=email, relationship=relationship))

    # when
    first = reminders_run(today=TODAY, source=SOURCE_KEY)
    second = reminders_run(today=TODAY, source=SOURCE_KEY)

    # then: the 14-day rule fired for the first instalment, for three people
    assert sum(o.fired for o in first) == 3
    assert _messages() == sorted(
        [
            ("email", "ana@example.org", owner.pk, "es"),
            ("in_app", "", owner.pk, "es"),
            ("email", "hijo@example.net", None, "es"),
            ("email", "acct@example.net", delegate.pk, "en"),
            ("in_app", "", delegate.pk, "en"),
        ],
        key=str,
    )
    assert sum(o.total for o in second) == 0
    # One timeline entry for the instalment, however many people were told.
    first_instalment = bill.instalments.get(sequence=1)
    assert list(BillEvent.objects.values_list("bill_id", "kind", "key", "data")) == [
        (
            bill.pk,
            "reminder",
            f"reminder:{first_instalment.pk}:{TODAY}",
            {"sequence": 1, "due_date": "2026-03-31", "days_before": 14},
        )
    ]
    email = Notification.objects.get(channel="email", recipient=owner)
    assert email.context["bill_number"] == bill.number
    assert email.context["owed_cents"] == 100000
    assert email.link_url.endswith(f"/taxes/mine/bills/{bill.number}/")


def test_an_instalment_paid_an_hour_before_the_run_is_not_reminded():
    # given: two bills due March 31; one paid (its first instalment) an hour before the run
    owner = UserFactory()
    paid, unpaid = TaxBillFactory(), TaxBillFactory()
    _link(owner, paid)
    _link(owner, unpaid)
    bill_payment_apply(bill=paid, amount_cents=100000, paid_on=TODAY)
    paid.instalments.filter(sequence=1).update(
        updated_at=timezone.now() - datetime.timedelta(hours=1)
    )

    # when
    reminders_run(today=TODAY, source=SOURCE_KEY)

    # then: only the unpaid bill's owner is reminded, and only its timeline says so
    bills = set(
        Notification.objects.filter(template_key="taxes/instalment_reminder").values_list(
            "context__bill_number", flat=True
        )
    )
    assert bills == {unpaid.number}
    assert set(BillEvent.objects.values_list("bill_id", flat=True)) == {unpaid.pk}


def test_paid_escrowed_and_far_off_instalments_are_not_reminded():
    owner = UserFactory()
    paid_in_full = TaxBillFactory()
    escrowed = TaxBillFactory(escrow_lender="First Lender Bank")
    _link(owner, paid_in_full)
    _link(owner, escrowed)
    bill_payment_apply(bill=paid_in_full, amount_cents=200000, paid_on=TODAY)

    outcomes = reminders_run(today=TODAY, source=SOURCE_KEY)

    assert sum(o.total for o in outcomes) == 0
    assert not ReminderOccurrence.objects.exists()


def test_the_three_days_and_the_day_itself():
    owner = UserFactory()
    bill = TaxBillFactory()
    _link(owner, bill)
    due = datetime.date(2026, 3, 31)

    for day in (due - datetime.timedelta(days=3), due):
        reminders_run(today=day, source=SOURCE_KEY)

    kinds = sorted(BillEvent.objects.values_list("data__days_before", flat=True))
    assert kinds == [0, 3]
    assert Notification.objects.filter(channel="in_app", recipient=owner).count() == 2


def test_an_unlinked_parcel_is_not_reminded():
    TaxBillFactory()
    assert sum(o.total for o in reminders_run(today=TODAY, source=SOURCE_KEY)) == 0


# --- Bounces --------------------------------------------------------------------------------


def _sent_email(owner) -> Notification:
    notifications_dispatch()
    email = Notification.objects.get(channel="email", recipient=owner)
    assert email.status == "sent" and email.provider_message_id
    return email


def test_a_bounced_reminder_is_flagged_for_a_paper_notice(mailoutbox):
    # given: a reminder sent (send-at midnight, so at once)
    ReminderRule.objects.filter(source=SOURCE_KEY).update(send_at=datetime.time(0, 0))
    owner = UserFactory()
    bill = TaxBillFactory()
    _link(owner, bill)
    reminders_run(today=TODAY, source=SOURCE_KEY)
    email = _sent_email(owner)

    # when: the provider reports a bounce, twice
    notification_delivery_record(
        provider_message_id=email.provider_message_id, delivered=False, detail="550 No such user"
    )
    notification_delivery_record(
        provider_message_id=email.provider_message_id, delivered=False, detail="550 again"
    )

    # then: one notice, open, on the bill's timeline
    notice = PaperNotice.objects.get()
    assert (notice.bill_id, notice.notification_id, notice.address, notice.reason) == (
        bill.pk,
        email.pk,
        owner.email,
        "550 No such user",
    )
    assert (notice.instalment_sequence, notice.due_date) == (1, datetime.date(2026, 3, 31))
    assert notice.mailed_at is None
    assert BillEvent.objects.filter(bill=bill, kind="bounced").count() == 1
    email.refresh_from_db()
    assert email.delivery == "bounced"


def test_a_delivered_report_flags_nothing_and_other_messages_are_not_taxes_business():
    owner = UserFactory()
    bill = TaxBillFactory()
    _link(owner, bill)
    ReminderRule.objects.filter(source=SOURCE_KEY).update(send_at=datetime.time(0, 0))
    reminders_run(today=TODAY, source=SOURCE_KEY)
    email = _sent_email(owner)

    notification_delivery_record(provider_message_id=email.provider_message_id, delivered=True)
    unknown = notification_delivery_record(provider_message_id="<nobody@x>", delivered=False)

    assert unknown is None
    assert not PaperNotice.objects.exists()
    email.refresh_from_db()
    assert email.delivery == "delivered"


def test_a_reminder_the_dispatcher_gives_up_on_is_flagged_too(settings):
    # given: the mail server refuses every attempt, and one attempt is allowed
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingEmailBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    ReminderRule.objects.filter(source=SOURCE_KEY).update(send_at=datetime.time(0, 0))
    owner = UserFactory()
    bill = TaxBillFactory()
    _link(owner, bill)
    reminders_run(today=TODAY, source=SOURCE_KEY)

    notifications_dispatch()

    assert Notification.objects.get(channel="email", recipient=owner).status == "failed"
    assert PaperNotice.objects.get().bill_id == bill.pk


def test_a_reminder_whose_worker_was_lost_on_its_last_attempt_is_flagged_too(settings):
    # given: a reminder claimed for its last allowed attempt by a worker that never came back
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    ReminderRule.objects.filter(source=SOURCE_KEY).update(send_at=datetime.time(0, 0))
    owner = UserFactory()
    bill = TaxBillFactory()
    _link(owner, bill)
    reminders_run(today=TODAY, source=SOURCE_KEY)
    email = Notification.objects.get(channel="email", recipient=owner)
    Notification.objects.filter(pk=email.pk).update(
        status="sending", attempts=2, claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    # when: the next run gives up on it, and a later run finds nothing more to do
    notifications_dispatch()
    notifications_dispatch()

    # then: failed, and flagged once for a paper notice on the bill's timeline
    email.refresh_from_db()
    assert (email.status, email.last_error) == ("failed", "Worker lost during the last attempt")
    notice = PaperNotice.objects.get()
    assert (notice.bill_id, notice.notification_id, notice.reason) == (
        bill.pk,
        email.pk,
        "Worker lost during the last attempt",
    )
    assert BillEvent.objects.filter(bill=bill, kind="bounced").count() == 1


def test_a_text_reminder_the_carrier_could_not_deliver_is_flagged_too(client, settings):
    # given: a reminder texted through the SMS provider (send-at midnight, so at once)
    settings.SMS_BACKEND = "notifications.sms.LocmemSMSBackend"
    settings.SITE_URL = "https://portal.example.gov"
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    ReminderRule.objects.filter(source=SOURCE_KEY).update(send_at=datetime.time(0, 0))
    owner = UserFactory(notify_by_sms=True, phone="+12025550143")
    bill = TaxBillFactory()
    _link(owner, bill)
    reminders_run(today=TODAY, source=SOURCE_KEY)
    notifications_dispatch()
    text = Notification.objects.get(channel="sms", recipient=owner)
    assert text.status == "sent"

    # when: Twilio's status callback says the carrier could not deliver it
    path = reverse("notifications:twilio_status")
    params = {"MessageSid": text.provider_message_id, "MessageStatus": "undelivered"}
    payload = settings.SITE_URL + path + "".join(f"{k}{params[k]}" for k in sorted(params))
    digest = hmac.new(b"test-auth-token", payload.encode(), hashlib.sha1).digest()
    response = client.post(
        path, params, headers={"X-Twilio-Signature": base64.b64encode(digest).decode()}
    )

    # then: flagged for a paper notice to the owner, on the bill's timeline
    assert response.status_code == 204
    notice = PaperNotice.objects.get()
    assert (notice.bill_id, notice.notification_id, notice.channel, notice.address) == (
        bill.pk,
        text.pk,
        "sms",
        "+12025550143",
    )
    assert (notice.instalment_sequence, notice.reason) == (1, "undelivered")
    assert BillEvent.objects.filter(bill=bill, kind="bounced").count() == 1


def test_marking_the_paper_notice_mailed(resident):
    clerk = tax_staff("clerk")
    bill = TaxBillFactory()
    notice = PaperNotice.objects.create(
        bill=bill, notification_id=1, channel="email", address="x@example.org"
    )

    notices.paper_notice_mark_mailed(notice_id=notice.pk, actor=clerk)

    notice.refresh_from_db()
    assert notice.mailed_by == clerk and notice.mailed_at is not None
    assert BillEvent.objects.filter(bill=bill, kind="paper_notice").count() == 1
    with pytest.raises(NoticeRefused, match="marked mailed already"):
        notices.paper_notice_mark_mailed(notice_id=notice.pk, actor=clerk)
    with pytest.raises(PermissionDenied):
        notices.paper_notice_mark_mailed(notice_id=notice.pk, actor=resident)


# --- Published ----------------------------------------------------------------------------


def test_a_published_bill_tells_its_paperless_owners_and_their_recipients_once():
    owner, by_post = UserFactory(), UserFactory()
    bill = TaxBillFactory()
    link = _link(owner, bill, paperless=True)
    _link(by_post, bill)
    _confirmed(ebills.recipient_add(link=link, email="acct@example.net", relationship="accountant"))

    queued = notices.bills_published_notify(bill_ids=[bill.pk])
    again = notices.bills_published_notify(bill_ids=[bill.pk])

    assert (queued, again) == (3, 0)  # owner: e-mail and inbox; accountant: e-mail
    rows = Notification.objects.filter(template_key="taxes/bill_published")
    assert {r.recipient_id for r in rows} == {owner.pk, None}
    assert rows.get(channel="email", recipient=None).to_address == "acct@example.net"
    assert rows.first().context["total_cents"] == 200000
    assert BillEvent.objects.filter(bill=bill, kind="published").count() == 1


def test_a_roll_import_publishes_next_years_bill_to_paperless_owners():
    # given: a parcel linked and paperless since last year's roll
    last_year = roll_import(stream=roll(row()), file_name="2026.csv")
    assert last_year.applied
    owner = UserFactory()
    bill = TaxBill.objects.get()
    _link(owner, bill, paperless=True)
    Notification.objects.all().delete()

    # when: next year's roll, then the same file again
    roll_import(stream=roll(row(tax_year="2027", bill_number="2027-000001")), file_name="2027.csv")
    roll_import(stream=roll(row(tax_year="2027", bill_number="2027-000001")), file_name="2027.csv")

    # then: one notice of the new bill, on each of the owner's channels
    rows = Notification.objects.filter(template_key="taxes/bill_published")
    assert sorted(rows.values_list("channel", "context__bill_number")) == [
        ("email", "2027-000001"),
        ("in_app", "2027-000001"),
    ]
    new_bill = TaxBill.objects.get(number="2027-000001")
    assert list(BillEvent.objects.values_list("bill_id", "kind")) == [(new_bill.pk, "published")]


def test_a_reminder_waiting_for_its_send_time_is_withdrawn_once_paid():
    # given: the 14-day reminders of both instalments' owners queued for 07:00, not sent yet
    owner = UserFactory()
    bill, other = TaxBillFactory(), TaxBillFactory()
    _link(owner, bill)
    _link(owner, other)
    reminders_run(today=TODAY, source=SOURCE_KEY)
    assert Notification.objects.filter(status="pending").count() == 4

    # when: the first instalment of one bill is paid online before the send-time
    pay_locally(bill_payment_start(bill=bill, choice="next1", email="a@example.com"))

    # then: its reminders are withdrawn, the other bill's still go out
    statuses = sorted(
        Notification.objects.filter(template_key="taxes/instalment_reminder").values_list(
            "context__bill_number", "channel", "status"
        )
    )
    assert statuses == sorted(
        [
            (bill.number, "email", "skipped"),
            (bill.number, "in_app", "skipped"),
            (other.number, "email", "pending"),
            (other.number, "in_app", "pending"),
        ]
    )


def test_reminders_waiting_for_instalments_a_bulk_payers_batch_paid_are_withdrawn():
    # given: reminders queued for 07:00 for two bills; a lender's batch pays one of them
    owner, lender = UserFactory(), UserFactory()
    bill, other = TaxBillFactory(), TaxBillFactory()
    _link(owner, bill)
    _link(owner, other)
    reminders_run(today=TODAY, source=SOURCE_KEY)
    batch = batch_upload(
        stream=csv_file(f"{bill.parcel.number},1000.00"), file_name="lender.csv", payer=lender
    )

    # when: the batch's payment settles before the send-time
    pay_locally(batch_payment_start(batch=batch, payer=lender))

    # then: the paid instalment's reminders are withdrawn, the other bill's still go out
    statuses = sorted(
        Notification.objects.filter(template_key="taxes/instalment_reminder").values_list(
            "context__bill_number", "channel", "status"
        )
    )
    assert statuses == sorted(
        [
            (bill.number, "email", "skipped"),
            (bill.number, "in_app", "skipped"),
            (other.number, "email", "pending"),
            (other.number, "in_app", "pending"),
        ]
    )


def test_in_app_reminders_link_the_owner_to_their_e_bills_and_a_delegate_to_the_stop_page(
    client,
):
    # given: an owner and a delegate with an account, both told in the inbox
    owner = UserFactory(email="ana@example.org")
    delegate = UserFactory(email="acct@example.net")
    bill = TaxBillFactory()
    link = _link(owner, bill)
    recipient = _confirmed(
        ebills.recipient_add(link=link, email="acct@example.net", relationship="accountant")
    )
    reminders_run(today=TODAY, source=SOURCE_KEY)

    # when
    notifications_dispatch()

    # then: the owner's message leads to the page where they manage e-bills and recipients;
    # the delegate's to the page that stops their messages
    from django.conf import settings

    in_app = Notification.objects.filter(channel="in_app", template_key="taxes/instalment_reminder")
    owners = in_app.get(recipient=owner).body
    delegates = in_app.get(recipient=delegate).body
    manage = settings.SITE_URL + reverse("taxes:my_parcels")
    assert manage in owners
    assert ebills.recipient_stop_url(recipient.pk) in delegates
    assert manage not in delegates

    # and: the inbox shows the address as a link
    client.force_login(owner)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert f'href="{manage}"' in page


def test_a_text_reminder_says_how_to_stop_texts_in_one_part_and_stop_stops_the_next(
    client, settings
):
    # given: a reminder texted 14 days before the due date (send-at midnight, so at once)
    from notifications import sms

    settings.SMS_BACKEND = "notifications.sms.LocmemSMSBackend"
    settings.SITE_URL = "https://portal.example.gov"
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    ReminderRule.objects.filter(source=SOURCE_KEY).update(send_at=datetime.time(0, 0))
    owner = UserFactory(notify_by_sms=True, phone="+12025550143", notify_by_email=False)
    bill = TaxBillFactory(parcel__number="10-000001", number="2026-000001")
    _link(owner, bill)
    sms.outbox.clear()
    reminders_run(today=TODAY, source=SOURCE_KEY)
    notifications_dispatch()

    # then: the text says how to stop texts, and is one part (160 characters)
    [text] = sms.outbox
    assert text.body.startswith("Springfield tax: instalment 1, parcel 10-000001, ")
    assert text.body.endswith(f"/taxes/mine/bills/{bill.number}/ Reply STOP to stop.")
    assert len(text.body) <= 160, text.body

    # when: the owner replies STOP (Twilio's inbound webhook, signed)
    path = reverse("notifications:twilio_inbound")
    params = {"From": "+12025550143", "Body": "STOP"}
    payload = settings.SITE_URL + path + "".join(f"{k}{params[k]}" for k in sorted(params))
    digest = hmac.new(b"test-auth-token", payload.encode(), hashlib.sha1).digest()
    response = client.post(
        path, params, headers={"X-Twilio-Signature": base64.b64encode(digest).decode()}
    )
    assert response.status_code == 200

    # then: the reminder 3 days before is not texted
    reminders_run(today=TODAY + datetime.timedelta(days=11), source=SOURCE_KEY)
    notifications_dispatch()
    assert len(sms.outbox) == 1


def test_a_text_reminder_in_spanish_is_one_part_with_its_stop_line(settings):
    # given: a Spanish-speaking owner texted 14 days before the due date
    from notifications import sms

    settings.SMS_BACKEND = "notifications.sms.LocmemSMSBackend"
    settings.SITE_URL = "https://portal.example.gov"
    ReminderRule.objects.filter(source=SOURCE_KEY).update(send_at=datetime.time(0, 0))
    owner = UserFactory(
        notify_by_sms=True, phone="+12025550144", notify_by_email=False, preferred_language="es"
    )
    bill = TaxBillFactory(parcel__number="10-000002", number="2026-000002")
    _link(owner, bill)
    sms.outbox.clear()

    # when
    reminders_run(today=TODAY, source=SOURCE_KEY)
    notifications_dispatch()

    # then: in Spanish, with the stop line, in one part (160 characters)
    [text] = sms.outbox
    assert text.body.startswith("Impuesto Springfield: plazo 1, parcela 10-000002, ")
    assert text.body.endswith(f"/taxes/mine/bills/{bill.number}/ Responda STOP para cancelar.")
    assert len(text.body) <= 160, (len(text.body), text.body)
