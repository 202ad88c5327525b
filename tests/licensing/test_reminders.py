import datetime
import importlib
import re
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core import mail, signing
from django.urls import reverse
from django.utils.formats import date_format

from licensing import services
from licensing.fees import agency_today
from licensing.models import Application, LicenseEvent
from licensing.reminders import SOURCE_KEY
from licensing.services.renewal_links import renewal_link_token
from notifications.models import Notification, ReminderRule
from notifications.services import notifications_dispatch, reminders_run
from payments.models import Payment
from payments.services import payment_local_complete
from tests.accounts.factories import UserFactory
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory, QuestionFactory
from tests.notifications.factories import reminder_rules

D = datetime.date
TODAY = D(2027, 1, 10)


def _in(days: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=days)


@pytest.fixture
def rules(db):
    """Reminders 90, 60, 30 and 7 days before expiry, catching up 7 days, sent from midnight."""
    return {rule.days: rule for rule in reminder_rules(90, 60, 30, 7)}


@pytest.fixture
def license_type(rules):
    """Renewal window 90 days; grace 30 days."""
    return LicenseTypeFactory(renewal_window_days=90, grace_days=30, auto_approve_renewals=True)


@dataclass(frozen=True)
class Outcome:
    emails: int
    sms: int
    in_app: int
    timeline: int
    total: int


def reminders_queue(*, today=None) -> Outcome:
    """Run licensing's reminder rules as the hourly task does, summed over the rules."""
    outcomes = reminders_run(today=today, source=SOURCE_KEY)
    return Outcome(
        emails=sum(o.emails for o in outcomes),
        sms=sum(o.sms for o in outcomes),
        in_app=sum(o.in_app for o in outcomes),
        timeline=sum(o.recorded for o in outcomes),
        total=sum(o.total for o in outcomes),
    )


def _key(rules, days, license) -> str:
    due_on = license.expires_on - datetime.timedelta(days=days)
    return f"reminder:{rules[days].pk}:{license.pk}:{due_on}"


def _rows():
    return sorted(Notification.objects.values_list("channel", "to_address", "dedupe_key", "status"))


# --- the daily job --------------------------------------------------------------------------


def test_account_holder_gets_e_mail_and_inbox_reminders_on_the_offset(
    license_type, rules, settings
):
    # given
    holder = UserFactory(email="robin@example.org")
    license = LicenseFactory(license_type=license_type, holder=holder, expires_on=_in(30))

    # when
    outcome = reminders_queue(today=TODAY)

    # then
    key = _key(rules, 30, license)
    assert (outcome.emails, outcome.sms, outcome.in_app, outcome.timeline) == (1, 0, 1, 1)
    assert _rows() == [
        ("email", "robin@example.org", f"{key}:email", "pending"),
        ("in_app", "", f"{key}:in_app", "pending"),
    ]
    email = Notification.objects.get(channel="email")
    assert email.recipient == holder
    assert email.template_key == "licensing/renewal_reminder"
    assert email.context["license_number"] == license.number
    assert email.context["days"] == 30
    assert email.link_url == f"{settings.SITE_URL}{license.get_absolute_url()}"
    event = LicenseEvent.objects.get(license=license)
    assert (event.kind, event.expires_on, event.offset_days) == ("reminder", _in(30), 30)


def test_running_twice_creates_nothing_twice(license_type):
    # given
    LicenseFactory(license_type=license_type, expires_on=_in(7))
    LicenseFactory(license_type=license_type, holder=None, expires_on=_in(60))
    first = reminders_queue(today=TODAY)

    # when
    second = reminders_queue(today=TODAY)

    # then: per license, the rule's occurrence, its messages and its timeline entry
    assert first.total == 7  # e-mail + in-app + event + occurrence; guest: e-mail + both
    assert second.total == 0
    assert Notification.objects.count() == 3
    assert LicenseEvent.objects.count() == 2


def test_no_reminder_between_offsets(license_type):
    LicenseFactory(license_type=license_type, expires_on=_in(45))

    # The 60-day offset was reached 15 days ago: longer than the catch-up allowance.
    assert reminders_queue(today=TODAY).total == 0


def test_a_job_that_did_not_run_catches_up_with_the_current_offset_only(license_type, rules):
    # given: expiry 26 days away; offsets 90 and 60 passed long ago, 30 four days ago, and
    # the job did not run in between (the rules catch up 7 days)
    license = LicenseFactory(license_type=license_type, expires_on=_in(26))

    # when
    reminders_queue(today=TODAY)

    # then: only the 30-day reminder, never the stale 90- and 60-day ones
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == {
        f"{_key(rules, 30, license)}:email",
        f"{_key(rules, 30, license)}:in_app",
    }


def test_daily_runs_over_a_whole_term_send_each_offset_once(license_type):
    # given
    license = LicenseFactory(license_type=license_type, expires_on=_in(100))

    # when: the job runs every day until expiry, twice on some days
    for day in range(101):
        reminders_queue(today=TODAY + datetime.timedelta(days=day))
        if day % 10 == 0:
            reminders_queue(today=TODAY + datetime.timedelta(days=day))

    # then
    emails = Notification.objects.filter(channel="email").order_by("created_at")
    assert [n.context["days"] for n in emails] == [90, 60, 30, 7]
    assert sorted(license.events.values_list("offset_days", flat=True)) == [7, 30, 60, 90]


def test_sms_only_where_the_holder_opted_in(license_type):
    # given
    texting = UserFactory(phone="+12025550143", notify_by_sms=True)
    not_texting = UserFactory(phone="+12025550144", notify_by_sms=False)
    LicenseFactory(license_type=license_type, holder=texting, expires_on=_in(7))
    LicenseFactory(license_type=license_type, holder=not_texting, expires_on=_in(7))

    # when
    outcome = reminders_queue(today=TODAY)

    # then
    assert outcome.sms == 1
    sms = Notification.objects.get(channel="sms")
    assert (sms.recipient, sms.to_address) == (texting, "+12025550143")


def test_holder_who_turned_e_mail_off_gets_only_the_inbox(license_type):
    holder = UserFactory(notify_by_email=False)
    LicenseFactory(license_type=license_type, holder=holder, expires_on=_in(7))

    reminders_queue(today=TODAY)

    assert list(Notification.objects.values_list("channel", flat=True)) == ["in_app"]


@pytest.mark.parametrize("status", ["expired", "lapsed", "suspended", "revoked"])
def test_only_active_licenses_are_reminded(license_type, status):
    LicenseFactory(license_type=license_type, expires_on=_in(7), status=status)

    assert reminders_queue(today=TODAY).total == 0


def test_a_paid_renewal_waiting_for_the_clerk_stops_reminders(license_type, clerk):
    # given: a renewal paid but flagged, so the license keeps its old expiry for now
    from payments.services import payment_record_counter

    QuestionFactory(
        license_type=license_type,
        code="changed",
        kind="yes_no",
        for_renewal=True,
        review_answer="yes",
    )
    license = LicenseFactory(license_type=license_type, expires_on=_in(7))
    renewal = services.renewal_start(license=license, actor=license.holder)
    services.renewal_save(
        application=renewal,
        actor=license.holder,
        holder_name="Robin",
        email="robin@example.org",
        address="1 Main St",
        answers={"changed": "yes"},
    )
    # The renewal is priced on today's real date; the reminder runs on the test's date.
    invoice = services.renewal_request_payment(application=renewal, actor=license.holder)
    payment_record_counter(
        invoice=invoice, method="cash", amount_cents=invoice.total_cents, actor=clerk
    )

    # when
    outcome = reminders_queue(today=TODAY)

    # then
    assert outcome.total == 0


def test_the_daily_task_is_scheduled_and_runs_the_rules(license_type, settings):
    from notifications.tasks import run_reminders

    LicenseFactory(license_type=license_type, expires_on=agency_today() + datetime.timedelta(7))

    result = run_reminders.apply().get()

    assert result == {"rules": 4, "fired": 1, "emails": 1, "sms": 0, "in_app": 1}
    assert settings.CELERY_BEAT_SCHEDULE["notifications-run-reminders"]["task"] == (
        "notifications.run_reminders"
    )


def test_the_offsets_of_license_types_become_rules_and_sent_reminders_their_history(db):
    # given: the database as it was before migration 0017, with two types' offsets and a
    # reminder already sent
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("licensing.migrations.0017_reminders_become_rules")
    old_apps = (
        MigrationLoader(connection)
        .project_state(
            [
                ("licensing", "0016_questions_move_to_cases"),
                ("notifications", "0005_reminder_rules"),
            ]
        )
        .apps
    )
    ReminderRule.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE licensing_licensetype "
            "ADD COLUMN reminder_offsets smallint[] NOT NULL DEFAULT '{90,60,30,7}'"
        )
    barbers = LicenseTypeFactory()
    dogs = LicenseTypeFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE licensing_licensetype SET reminder_offsets = '{30}' WHERE id = %s", [dogs.pk]
        )
    license = LicenseFactory(license_type=barbers, expires_on=_in(57))
    LicenseEvent.objects.create(
        license=license, kind="reminder", expires_on=_in(57), offset_days=60
    )

    # when
    migration.offsets_to_rules(old_apps, connection.schema_editor())

    # then: 30 days for both types, the others for barbers only; the 60-day one is not sent again
    made = {r.days: r for r in ReminderRule.objects.filter(source=SOURCE_KEY)}
    assert {days: rule.scope for days, rule in made.items()} == {
        90: [barbers.pk],
        60: [barbers.pk],
        30: [],
        7: [barbers.pk],
    }
    assert {rule.template_key for rule in made.values()} == {"licensing/renewal_reminder"}
    [occurrence] = made[60].occurrences.all()
    assert (occurrence.object_id, occurrence.due_on) == (license.pk, _in(-3))
    assert reminders_queue(today=TODAY).total == 0


# --- licenses without an account: the signed link ------------------------------------------


@pytest.fixture
def imported(db, license_type):
    """A license imported without an account, expiring in 28 days: its 30-day reminder is due."""
    import django.utils.timezone

    today = django.utils.timezone.localdate()
    return LicenseFactory(
        license_type=license_type,
        holder=None,
        holder_name="Pat Holder",
        holder_email="pat@example.net",
        expires_on=today + datetime.timedelta(days=28),
    )


def _link_from_the_e_mail(imported) -> str:
    import django.utils.timezone

    reminders_queue(today=django.utils.timezone.localdate())
    notifications_dispatch()
    [message] = mail.outbox
    assert message.to == ["pat@example.net"]
    return re.search(r"https?://\S+/licenses/renew/link/\S+/", message.body).group(0)


def test_guest_reminder_is_e_mailed_with_a_signed_link(imported):
    # when
    link = _link_from_the_e_mail(imported)

    # then
    [message] = mail.outbox
    expiry = date_format(imported.expires_on, "DATE_FORMAT")
    assert message.subject == f"Renew license {imported.number}: it expires on {expiry}"
    assert "Hello Pat Holder," in message.body
    assert Notification.objects.get().recipient is None
    assert "/licenses/renew/link/" in link


def test_guest_renews_and_pays_with_the_link_then_takes_an_account(imported, client, settings):
    # given
    settings.PAYMENTS_GATEWAY = "local"
    old_expiry = imported.expires_on
    link = _link_from_the_e_mail(imported)
    path = link.split("testserver")[-1] if "testserver" in link else "/" + link.split("/", 3)[3]

    # when: open the link, start, confirm details, pay on the test gateway
    page = client.get(path)
    started = client.post(path)
    details_path = started.url
    details = client.get(details_path)
    saved = client.post(
        details_path,
        {
            "holder_name": "Pat Holder",
            "email": "pat@example.net",
            "address": "2 Elm St",
        },
    )
    to_gateway = client.post(saved.url)
    payment = Payment.objects.get()
    payment_local_complete(payment=payment, approved=True)
    status = client.get(payment.success_url.split("testserver")[-1])

    # then
    assert page.status_code == 200
    assert "Start your renewal" in page.content.decode()
    assert details.status_code == 200
    assert 'value="Pat Holder"' in details.content.decode()
    assert to_gateway.status_code == 303
    imported.refresh_from_db()
    assert imported.expires_on == old_expiry.replace(year=old_expiry.year + 1)
    renewal = Application.objects.get(renews=imported)
    assert renewal.applicant is None
    assert renewal.case.guest_email == "pat@example.net"
    body = status.content.decode()
    assert status.status_code == 200
    assert "License renewed" in body
    assert "Create an account" in body

    # and when the holder creates an account and verifies the address, the license is theirs
    user = UserFactory(email="pat@example.net", verified=False)
    address = EmailAddress.objects.create(
        user=user, email="pat@example.net", verified=True, primary=True
    )
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    imported.refresh_from_db()
    assert imported.holder == user
    assert imported.events.filter(kind="linked").count() == 1


def test_an_altered_link_changes_nothing(imported, client):
    token = renewal_link_token(license_id=imported.pk, expires_on=imported.expires_on)
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    got = client.get(reverse("licensing:renew_link", kwargs={"token": altered}))
    posted = client.post(reverse("licensing:renew_link", kwargs={"token": altered}))

    assert got.status_code == posted.status_code == 404
    assert "This renewal link does not work" in got.content.decode()
    assert Application.objects.count() == 0


def test_a_link_of_before_for_another_term_is_stale(imported, client, license_type):
    # given: a link signed before cases.links, for an expiry the license no longer has
    old = signing.dumps(
        {"l": imported.pk, "x": imported.expires_on.isoformat()}, salt="licensing.renewal-link"
    )
    imported.expires_on += datetime.timedelta(days=365)
    imported.issued_on += datetime.timedelta(days=365)
    imported.save()

    # when
    response = client.post(reverse("licensing:renew_link", kwargs={"token": old}))

    # then
    assert response.status_code == 404
    assert Application.objects.count() == 0


def test_a_link_stops_working_once_the_license_has_an_account(imported, client):
    token = renewal_link_token(license_id=imported.pk, expires_on=imported.expires_on)
    services.licenses_link_account(user=UserFactory(), email="PAT@example.net")

    response = client.get(reverse("licensing:renew_link", kwargs={"token": token}))

    assert response.status_code == 410
    assert "Sign in to continue" in response.content.decode()


def test_the_dispatcher_sends_every_channel_and_the_license_page_shows_it(
    license_type, settings, client
):
    # given: an account holder who texts, reminded today
    import django.utils.timezone

    from notifications import sms

    settings.SMS_BACKEND = "notifications.sms.LocmemSMSBackend"
    sms.outbox.clear()
    today = django.utils.timezone.localdate()
    holder = UserFactory(full_name="Robin Barber", phone="+12025550143", notify_by_sms=True)
    license = LicenseFactory(
        license_type=license_type, holder=holder, expires_on=today + datetime.timedelta(days=7)
    )
    reminders_queue(today=today)

    # when
    notifications_dispatch()

    # then: e-mail, text message and inbox, each pointing at the license page
    expiry = date_format(license.expires_on, "DATE_FORMAT")
    license_url = f"{settings.SITE_URL}{license.get_absolute_url()}"
    [message] = mail.outbox
    assert message.subject == f"Renew license {license.number}: it expires on {expiry}"
    assert "Hello Robin Barber," in message.body
    assert license_url in message.body
    [text] = sms.outbox
    assert text.to == "+12025550143"
    assert text.body.endswith(f"{license_url} Reply STOP to stop.")  # the link, then how to stop
    inbox = Notification.objects.get(channel="in_app")
    assert inbox.status == "sent"
    assert inbox.body == (
        f"Your {license_type.name} ({license.number}) expires on {expiry}. "
        "Renew it from your license page."
    )
    client.force_login(holder)
    page = client.get(license.get_absolute_url()).content.decode()
    assert f"Renewal reminder sent, 7 days before expiry on {expiry}." in page
