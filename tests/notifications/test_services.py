from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation

from notifications import sms
from notifications.models import EmailOptOut, Notification
from notifications.services import (
    dispatch,
    notification_mark_read,
    notification_send,
    notifications_dispatch,
    notifications_retry,
    retry_delay,
    unsubscribe,
    unsubscribe_by_token,
)
from notifications.tokens import UnsubscribeTarget, read_unsubscribe_token, unsubscribe_token
from tests.accounts.factories import UserFactory
from tests.notifications.backends import SlowEmailBackend
from tests.notifications.factories import InAppNotificationFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def send(**kwargs):
    defaults = {"template_key": "tests/greeting", "context": {"topic": "your permit"}}
    return notification_send(**{**defaults, **kwargs})


# --- notification_send: channels -------------------------------------------------------


@pytest.mark.parametrize(
    ("by_email", "by_sms", "phone", "expected"),
    [
        (True, False, "", ["email", "in_app"]),
        (True, True, "+12025550143", ["email", "sms", "in_app"]),
        (False, True, "+12025550143", ["sms", "in_app"]),
        (False, False, "+12025550143", ["in_app"]),
    ],
)
def test_send_to_user_follows_their_preferences(by_email, by_sms, phone, expected):
    # given
    user = UserFactory(notify_by_email=by_email, notify_by_sms=by_sms, phone=phone)

    # when
    rows = send(dedupe_key="permit-1", user=user)

    # then
    assert [row.channel for row in rows] == expected
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == sorted(
        f"permit-1:{channel}" for channel in expected
    )


def test_send_resolves_addresses_and_states_at_creation():
    # given
    user = UserFactory(full_name="Ana Ruiz", notify_by_sms=True, phone="+12025550143")

    # when
    email, text, in_app = send(dedupe_key="permit-1", user=user, link_url="https://x.test/c/1")

    # then
    assert (email.to_address, email.status, email.sent_at) == (user.email, "pending", None)
    assert (text.to_address, text.status) == ("+12025550143", "pending")
    assert (in_app.to_address, in_app.status, in_app.recipient) == ("", "sent", user)
    assert in_app.sent_at is not None
    assert (in_app.subject, in_app.body) == (
        "[en] Yes, Ana Ruiz: your permit",
        "Inbox: your permit",
    )
    assert in_app.link_url == "https://x.test/c/1"


@pytest.mark.parametrize(
    ("email", "phone", "expected"),
    [
        ("guest@example.org", "", ["email"]),
        ("", "+12025550143", ["sms"]),
        ("guest@example.org", "+12025550143", ["email", "sms"]),
        ("", "", []),
    ],
)
def test_send_to_guest_uses_the_addresses_given(email, phone, expected):
    # when
    rows = send(dedupe_key="booking-7", email=email, phone=phone)

    # then
    assert [row.channel for row in rows] == expected
    assert all(row.recipient is None for row in rows)


def test_guest_phone_is_stored_in_international_form():
    # when
    (row,) = send(dedupe_key="booking-7", phone="(202) 555-0143")

    # then
    assert row.to_address == "+12025550143"


def test_guest_phone_that_is_not_a_number_is_refused():
    # when / then
    with pytest.raises(ValueError, match="not a valid phone number"):
        send(dedupe_key="booking-7", phone="call me maybe")
    assert Notification.objects.count() == 0


def test_channels_restricts_the_set():
    # given
    user = UserFactory(notify_by_sms=True, phone="+12025550143")

    # when
    rows = send(dedupe_key="permit-1", user=user, channels=["in_app", "sms"])

    # then
    assert [row.channel for row in rows] == ["sms", "in_app"]


def test_channels_never_adds_one_the_user_refused():
    # given
    user = UserFactory(notify_by_email=False)

    # when
    rows = send(dedupe_key="permit-1", user=user, channels=["email"])

    # then
    assert rows == []
    assert Notification.objects.count() == 0


def test_unknown_channel_is_rejected():
    # given
    user = UserFactory()

    # when / then
    with pytest.raises(ValueError, match=r"Unknown notification channel\(s\): \['fax'\]"):
        send(dedupe_key="permit-1", user=user, channels=["fax"])


# --- notification_send: dedupe, JSON, outbox ---------------------------------------------


def test_second_send_with_same_key_creates_nothing_and_returns_existing_rows():
    # given
    user = UserFactory()
    first = send(dedupe_key="license-9:expiry-30", user=user)

    # when
    second = send(dedupe_key="license-9:expiry-30", user=user, context={"topic": "changed"})

    # then
    assert [row.pk for row in second] == [row.pk for row in first]
    assert Notification.objects.count() == 2
    assert second[0].context == {"topic": "your permit"}


def test_context_that_is_not_json_is_refused_with_a_clear_error():
    # given
    user = UserFactory()

    # when / then
    with pytest.raises(TypeError, match="must be JSON-serializable"):
        send(dedupe_key="k", user=user, context={"due": date(2026, 1, 31)})
    assert Notification.objects.count() == 0


def test_rows_roll_back_with_the_callers_transaction():
    # given
    user = UserFactory()

    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        send(dedupe_key="k", user=user)
        raise RuntimeError("the business change failed")

    # then
    assert Notification.objects.count() == 0


def test_dispatcher_is_scheduled_after_commit_only_for_pending_rows(
    django_capture_on_commit_callbacks,
):
    # given
    user = UserFactory()
    quiet = UserFactory(notify_by_email=False)

    # when
    with django_capture_on_commit_callbacks() as with_email:
        send(dedupe_key="a", user=user)
    with django_capture_on_commit_callbacks() as in_app_only:
        send(dedupe_key="b", user=quiet)

    # then
    assert len(with_email) == 1
    assert in_app_only == []


# --- language ------------------------------------------------------------------------------


def test_user_gets_their_preferred_language():
    # given
    user = UserFactory(preferred_language="es", full_name="Ana Ruiz")

    # when
    with translation.override("en"):
        rows = send(dedupe_key="k", user=user)

    # then
    assert [row.language for row in rows] == ["es", "es"]
    assert rows[1].subject == "[es] Sí, Ana Ruiz: your permit"


def test_guest_gets_the_current_language():
    # when
    with translation.override("es"):
        (row,) = send(dedupe_key="k", email="guest@example.org")

    # then
    assert row.language == "es"


def test_explicit_language_wins():
    # given
    user = UserFactory(preferred_language="en")

    # when
    rows = send(dedupe_key="k", user=user, language="es")

    # then
    assert [row.language for row in rows] == ["es", "es"]


def test_email_is_rendered_in_the_rows_language():
    # given
    NotificationFactory(language="es", recipient=UserFactory(full_name="Ana Ruiz"))
    NotificationFactory(language="en", recipient=UserFactory(full_name="Bo Lee"))

    # when
    notifications_dispatch()

    # then
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == ["[en] Yes, Bo Lee: your permit", "[es] Sí, Ana Ruiz: your permit"]
    spanish = next(m for m in mail.outbox if m.subject.startswith("[es]"))
    assert spanish.body.startswith("Language es. Sí.\nHello Ana Ruiz, about your permit.")


# --- dispatcher: e-mail and SMS ---------------------------------------------------------


def test_dispatch_sends_email_with_one_click_unsubscribe():
    # given
    user = UserFactory(full_name="O'Brien")
    email_row, _ = send(dedupe_key="k", user=user)

    # when
    handled = notifications_dispatch()

    # then
    assert handled == 1
    (message,) = mail.outbox
    header = message.extra_headers["List-Unsubscribe"]
    prefix = "<https://portal.example.gov/notifications/unsubscribe/"
    assert header.startswith(prefix) and header.endswith("/>")
    url = header[1:-1]
    token = header[len(prefix) : -2]
    assert read_unsubscribe_token(token) == UnsubscribeTarget(user_id=user.pk)
    assert message.to == [user.email]
    assert message.subject == "[en] Yes, O'Brien: your permit"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    stamp = int(email_row.created_at.timestamp())
    assert message.extra_headers["Message-ID"] == (
        f"<notification.{email_row.pk}.{stamp}@springfield.example.gov>"
    )
    assert url in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<p>Hello O&#x27;Brien, about your permit.</p>" in html
    assert f'<a href="{url}">' in html
    email_row.refresh_from_db()
    assert email_row.status == "sent"
    assert email_row.sent_at is not None
    assert email_row.claimed_until is None
    assert email_row.attempts == 1
    assert email_row.provider_message_id == message.extra_headers["Message-ID"]
    assert email_row.subject == message.subject
    assert email_row.body == message.body


def test_dispatch_sends_sms_through_the_configured_backend():
    # given
    user = UserFactory(notify_by_email=False, notify_by_sms=True, phone="+12025550143")
    sms_row, _ = send(dedupe_key="k", user=user)

    # when
    notifications_dispatch()

    # then
    assert [(m.to, m.body) for m in sms.outbox] == [
        ("+12025550143", "Springfield: your permit Reply STOP to stop.")
    ]
    sms_row.refresh_from_db()
    assert sms_row.status == "sent"
    assert sms_row.provider_message_id == sms.outbox[0].message_id
    assert mail.outbox == []


def test_pending_in_app_row_is_rendered_into_the_inbox():
    # given: as a bulk insert would queue it, unrendered
    user = UserFactory(full_name="Ana Ruiz")
    row = NotificationFactory(recipient=user, channel="in_app", to_address="")

    # when
    notifications_dispatch()

    # then
    row.refresh_from_db()
    assert (row.status, row.subject, row.body) == (
        "sent",
        "[en] Yes, Ana Ruiz: your permit",
        "Inbox: your permit",
    )
    assert mail.outbox == []
    assert sms.outbox == []


def test_guest_email_carries_a_working_unsubscribe_link():
    # given
    (row,) = send(dedupe_key="booking-1", email="Guest@Example.org")
    notifications_dispatch()

    # when
    found = unsubscribe_by_token(token=unsubscribe_token(row))
    later = NotificationFactory(recipient=None, to_address="guest@example.org")
    notifications_dispatch()

    # then
    assert found is True
    assert len(mail.outbox) == 1
    later.refresh_from_db()
    assert later.status == "skipped"
    assert list(EmailOptOut.objects.values_list("email", "user")) == [("guest@example.org", None)]


def test_dispatch_handles_rows_in_batches_until_none_is_due():
    # given
    NotificationFactory.create_batch(5)

    # when
    handled = notifications_dispatch(batch_size=2)

    # then
    assert handled == 5
    assert len(mail.outbox) == 5
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_dispatch_leaves_rows_not_yet_due():
    # given
    row = NotificationFactory(available_at=timezone.now() + timedelta(minutes=5))

    # when
    handled = notifications_dispatch()

    # then
    assert handled == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)


def test_dispatch_twice_sends_once():
    # given
    NotificationFactory()

    # when
    notifications_dispatch()
    notifications_dispatch()

    # then
    assert len(mail.outbox) == 1


# --- dispatcher: failures ----------------------------------------------------------------


def test_failure_goes_back_to_pending_with_backoff(settings):
    # given
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingEmailBackend"
    row = NotificationFactory()
    before = timezone.now()

    # when
    notifications_dispatch()

    # then
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_until) == ("pending", 1, None)
    assert row.last_error == "SMTPServerDisconnected"
    assert (
        before + timedelta(seconds=60) <= row.available_at <= timezone.now() + timedelta(seconds=60)
    )


def test_failed_row_is_retried_when_due_and_sent(settings):
    # given
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingEmailBackend"
    row = NotificationFactory()
    notifications_dispatch()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.filter(pk=row.pk).update(available_at=timezone.now())

    # when
    notifications_dispatch()

    # then
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


def test_gives_up_after_max_attempts(settings):
    # given
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingEmailBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    row = NotificationFactory()

    # when
    for _ in range(3):
        Notification.objects.filter(pk=row.pk).update(available_at=timezone.now())
        notifications_dispatch()

    # then
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_until) == ("failed", 3, None)
    assert notifications_dispatch() == 0


def test_sms_error_text_with_the_number_is_not_stored(settings):
    # given
    settings.SMS_BACKEND = "tests.notifications.backends.RefusingSMSBackend"
    user = UserFactory(notify_by_email=False, notify_by_sms=True, phone="+12025550143")
    row, _ = send(dedupe_key="k", user=user)

    # when
    notifications_dispatch()

    # then
    row.refresh_from_db()
    assert row.last_error == "ConnectionError"


def test_missing_template_fails_at_once():
    # given
    row = NotificationFactory(template_key="tests/no_such_message")

    # when
    notifications_dispatch()

    # then
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "TemplateDoesNotExist")


def test_message_that_cannot_be_rendered_fails_alone_and_the_batch_is_sent():
    # given: a row whose context is not an object (written by a bulk insert) between good ones
    first = NotificationFactory()
    poison = NotificationFactory(context=["not", "an", "object"])
    last = NotificationFactory()

    # when
    handled = notifications_dispatch()

    # then
    assert handled == 3
    poison.refresh_from_db()
    assert (poison.status, poison.attempts, poison.claimed_until) == ("failed", 1, None)
    assert poison.last_error == "TypeError"
    statuses = Notification.objects.filter(pk__in=[first.pk, last.pk]).values_list(
        "status", flat=True
    )
    assert list(statuses) == ["sent", "sent"]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [first.to_address, last.to_address]
    )


def test_unexpected_error_before_sending_is_retried_alone(monkeypatch):
    # given: the opt-out check of one row fails (say, a query interrupted)

    _first, broken, _last = NotificationFactory.create_batch(3)
    real_opted_out = dispatch._opted_out

    def opted_out(notification):
        if notification.pk == broken.pk:
            raise RuntimeError("connection reset")
        return real_opted_out(notification)

    monkeypatch.setattr(dispatch, "_opted_out", opted_out)

    # when
    notifications_dispatch()

    # then
    broken.refresh_from_db()
    assert (broken.status, broken.attempts, broken.claimed_until) == ("pending", 1, None)
    assert broken.last_error == "RuntimeError"
    assert broken.available_at > timezone.now()
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (50, 3600)]
)
def test_retry_delay_doubles_up_to_an_hour(attempts, seconds):
    assert retry_delay(attempts) == timedelta(seconds=seconds)


# --- dispatcher: leases --------------------------------------------------------------------


def test_row_left_sending_with_expired_lease_is_sent_by_the_next_run():
    # given
    row = NotificationFactory()
    Notification.objects.filter(pk=row.pk).update(
        status="sending", attempts=1, claimed_until=timezone.now() - timedelta(seconds=1)
    )

    # when
    handled = notifications_dispatch()

    # then
    assert handled == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_row_with_a_live_lease_is_left_alone():
    # given
    row = NotificationFactory()
    Notification.objects.filter(pk=row.pk).update(
        status="sending", attempts=1, claimed_until=timezone.now() + timedelta(minutes=5)
    )

    # when
    handled = notifications_dispatch()

    # then
    assert handled == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sending", 1)
    assert mail.outbox == []


def test_abandoned_last_attempt_is_given_up(settings):
    # given
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    row = NotificationFactory()
    Notification.objects.filter(pk=row.pk).update(
        status="sending", attempts=2, claimed_until=timezone.now() - timedelta(seconds=1)
    )

    # when
    notifications_dispatch()

    # then
    row.refresh_from_db()
    assert (row.status, row.claimed_until) == ("failed", None)
    assert row.last_error == "Worker lost during the last attempt"
    assert mail.outbox == []


def test_claim_running_out_mid_batch_hands_the_rest_back(settings):
    # given
    settings.NOTIFICATIONS_LEASE_SECONDS = 0
    NotificationFactory.create_batch(2)

    # when
    handled = notifications_dispatch()

    # then
    assert handled == 0
    statuses = Notification.objects.values_list("status", "attempts", "claimed_until")
    assert list(statuses) == [("pending", 0, None), ("pending", 0, None)]
    assert mail.outbox == []


def test_batch_longer_than_its_lease_renews_it_and_sends_every_row(settings):
    # given: five messages of half a second each, a lease of two seconds
    settings.NOTIFICATIONS_LEASE_SECONDS = 2
    settings.EMAIL_BACKEND = "tests.notifications.backends.SlowEmailBackend"
    SlowEmailBackend.snapshots = []
    NotificationFactory.create_batch(5)

    # when
    handled = notifications_dispatch()

    # then: no claimed row was ever seen with its lease run out
    assert handled == 5
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    leases_left = [
        left
        for snapshot in SlowEmailBackend.snapshots
        for status, left in snapshot.values()
        if status == "sending"
    ]
    assert len(SlowEmailBackend.snapshots) == 5
    assert min(leases_left) > 0


def test_each_message_is_recorded_sent_before_the_next_is_sent(settings):
    # given
    settings.EMAIL_BACKEND = "tests.notifications.backends.SlowEmailBackend"
    SlowEmailBackend.snapshots = []
    first, second = NotificationFactory.create_batch(2)

    # when
    notifications_dispatch()

    # then: while the second was being sent, the first was already committed as sent
    statuses = [
        (snapshot[first.pk][0], snapshot[second.pk][0]) for snapshot in SlowEmailBackend.snapshots
    ]
    assert statuses == [("sending", "sending"), ("sent", "sending")]


@pytest.mark.parametrize(
    ("lease", "email_timeout", "expected"),
    [(300, None, 30), (60, None, 30), (6, None, 3), (1, None, 1), (60, 10, 10)],
)
def test_one_send_may_take_half_the_lease_and_never_more_than_30_seconds(
    settings, lease, email_timeout, expected
):
    # given
    settings.NOTIFICATIONS_LEASE_SECONDS = lease
    settings.EMAIL_TIMEOUT = email_timeout

    # when / then
    assert dispatch.send_timeout_seconds() == expected


# --- dispatcher: preferences changed since queued ------------------------------------------


def test_pending_email_to_user_who_opted_out_is_skipped():
    # given
    user = UserFactory()
    row, _ = send(dedupe_key="k", user=user)
    unsubscribe(user=user)

    # when
    notifications_dispatch()

    # then
    row.refresh_from_db()
    assert (row.status, row.sent_at) == ("skipped", None)
    assert mail.outbox == []


def test_pending_sms_to_user_who_turned_texts_off_is_skipped():
    # given
    user = UserFactory(notify_by_email=False, notify_by_sms=True, phone="+12025550143")
    row, _ = send(dedupe_key="k", user=user)
    user.notify_by_sms = False
    user.save(update_fields=["notify_by_sms"])

    # when
    notifications_dispatch()

    # then
    row.refresh_from_db()
    assert row.status == "skipped"
    assert sms.outbox == []


# --- retry, read, unsubscribe ------------------------------------------------------------


def test_retry_resets_failed_rows_only(django_capture_on_commit_callbacks):
    # given
    failed = NotificationFactory(status="failed", attempts=6, last_error="SMTPDataError (554)")
    sent = NotificationFactory(status="sent", sent_at=timezone.now(), attempts=1)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        count = notifications_retry(notification_ids=[failed.pk, sent.pk])

    # then
    assert count == 1
    assert len(callbacks) == 1
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert (sent.status, sent.attempts) == ("sent", 1)


def test_mark_read_sets_read_at_once():
    # given
    message = InAppNotificationFactory()
    notification_mark_read(notification=message, user=message.recipient)
    first = message.read_at

    # when
    notification_mark_read(notification=message, user=message.recipient)

    # then
    message.refresh_from_db()
    assert first is not None
    assert message.read_at == first


def test_mark_read_by_someone_else_is_denied():
    # given
    message = InAppNotificationFactory()

    # when / then
    with pytest.raises(PermissionDenied):
        notification_mark_read(notification=message, user=UserFactory())
    message.refresh_from_db()
    assert message.read_at is None


def test_unsubscribe_turns_email_off_and_records_it_once():
    # given
    user = UserFactory(email="ana@example.org")

    # when
    unsubscribe(user=user)
    unsubscribe(user=user)

    # then
    user.refresh_from_db()
    assert user.notify_by_email is False
    assert list(EmailOptOut.objects.values_list("email", "user")) == [("ana@example.org", user.pk)]


def test_unsubscribe_by_token_refuses_a_tampered_token():
    # given
    row = NotificationFactory()
    token = unsubscribe_token(row)

    # when
    found = unsubscribe_by_token(token=token[:-1] + ("A" if token[-1] != "A" else "B"))

    # then
    assert found is False
    row.recipient.refresh_from_db()
    assert row.recipient.notify_by_email is True


# --- guest addresses nobody has verified ----------------------------------------------------


def test_an_unverified_guest_address_gets_a_few_messages_an_hour_and_no_more(settings):
    # given: five messages an hour, and a form abused to queue seven to one stranger
    settings.NOTIFICATIONS_GUEST_MESSAGES_PER_HOUR = 5
    for number in range(7):
        send(dedupe_key=f"report-{number}", email="Stranger@Example.org")
    send(dedupe_key="report-other", email="other@example.org")

    # when
    notifications_dispatch()
    notifications_dispatch()

    # then: five sent, the rest recorded as not sent and why, and never tried
    assert sorted(message.to[0] for message in mail.outbox) == ["Stranger@Example.org"] * 5 + [
        "other@example.org"
    ]
    suppressed = Notification.objects.filter(status="skipped")
    assert sorted(suppressed.values_list("dedupe_key", flat=True)) == [
        "report-5:email",
        "report-6:email",
    ]
    for row in suppressed:
        assert (row.attempts, row.sent_at) == (0, None)
        assert row.last_error == "Not sent: over the hourly limit for an unverified guest address"


def test_the_guest_limit_counts_text_messages_per_number_too(settings):
    # given
    settings.NOTIFICATIONS_GUEST_MESSAGES_PER_HOUR = 2

    # when
    rows = [send(dedupe_key=f"k-{number}", phone="+12025550143")[0] for number in range(3)]
    notifications_dispatch()

    # then
    assert [row.status for row in rows] == ["pending", "pending", "skipped"]
    assert len(sms.outbox) == 2


def test_the_guest_limit_starts_again_after_an_hour(settings):
    # given: the limit reached more than an hour ago
    settings.NOTIFICATIONS_GUEST_MESSAGES_PER_HOUR = 1
    (old,) = send(dedupe_key="k-old", email="guest@example.org")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=61))

    # when
    (new,) = send(dedupe_key="k-new", email="guest@example.org")

    # then
    assert new.status == "pending"


def test_a_verified_account_address_is_not_limited_even_when_queued_as_a_guest(settings):
    # given: the address of an account whose owner verified it
    settings.NOTIFICATIONS_GUEST_MESSAGES_PER_HOUR = 1
    user = UserFactory(email="owner@example.org")

    # when
    rows = [send(dedupe_key=f"k-{n}", email="OWNER@example.org")[0] for n in range(3)]
    for number in range(3):
        send(dedupe_key=f"u-{number}", user=user)

    # then
    assert [row.status for row in rows] == ["pending"] * 3
    assert not Notification.objects.filter(status="skipped").exists()


def test_a_repeated_send_is_not_counted_twice(settings):
    # given
    settings.NOTIFICATIONS_GUEST_MESSAGES_PER_HOUR = 1
    (first,) = send(dedupe_key="k", email="guest@example.org")

    # when
    (again,) = send(dedupe_key="k", email="guest@example.org")

    # then
    assert again.pk == first.pk and again.status == "pending"
