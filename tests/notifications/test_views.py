import re

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import EmailOptOut, Notification
from notifications.selectors import InboxSummary
from notifications.tokens import unsubscribe_token
from tests.accounts.factories import UserFactory
from tests.notifications.factories import InAppNotificationFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def unsubscribe_path(notification):
    return reverse("notifications:unsubscribe", args=[unsubscribe_token(notification)])


# --- unsubscribe ---------------------------------------------------------------------------


def test_unsubscribe_link_shows_a_confirmation_and_changes_nothing(client):
    # given
    row = NotificationFactory()

    # when
    response = client.get(unsubscribe_path(row))

    # then
    assert response.status_code == 200
    assert response.templates[0].name == "notifications/unsubscribe_confirm.html"
    assert b'method="post"' in response.content
    row.recipient.refresh_from_db()
    assert row.recipient.notify_by_email is True


def test_confirming_unsubscribes_without_signing_in():
    # given
    row = NotificationFactory()
    client = Client(enforce_csrf_checks=True)

    # when
    response = client.post(unsubscribe_path(row), {"confirm": "Unsubscribe"})

    # then
    assert response.status_code == 200
    assert response.templates[0].name == "notifications/unsubscribed.html"
    row.recipient.refresh_from_db()
    assert row.recipient.notify_by_email is False
    assert EmailOptOut.objects.filter(user=row.recipient).count() == 1


def test_one_click_post_from_a_mail_client_unsubscribes():
    # given: RFC 8058: no cookies, no CSRF token, this exact body
    row = NotificationFactory()
    client = Client(enforce_csrf_checks=True)

    # when
    response = client.post(
        unsubscribe_path(row),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    # then
    assert response.status_code == 200
    row.recipient.refresh_from_db()
    assert row.recipient.notify_by_email is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_forged_unsubscribe_token_is_refused(client, method):
    # given
    user = UserFactory()
    path = reverse("notifications:unsubscribe", args=[f"{user.pk}:forged"])

    # when
    response = getattr(client, method)(path)

    # then
    assert response.status_code == 404
    assert response.templates[0].name == "notifications/unsubscribe_invalid.html"
    user.refresh_from_db()
    assert user.notify_by_email is True


# --- inbox and mark read -------------------------------------------------------------------


def test_inbox_needs_sign_in(client):
    # when
    response = client.get(reverse("notifications:inbox"))

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_inbox_lists_only_own_messages(client):
    # given
    user = UserFactory()
    mine = InAppNotificationFactory(recipient=user, subject="Permit approved")
    InAppNotificationFactory(subject="Someone else's news")
    client.force_login(user)

    # when
    response = client.get(reverse("notifications:inbox"))

    # then
    assert response.status_code == 200
    assert list(response.context["inbox"]) == [mine]
    assert b"Permit approved" in response.content
    assert b"Someone else" not in response.content


def test_mark_read_returns_to_the_page_given(client):
    # given
    message = InAppNotificationFactory()
    client.force_login(message.recipient)

    # when
    response = client.post(
        reverse("notifications:mark_read", args=[message.pk]), {"next": "/account/"}
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    message.refresh_from_db()
    assert message.read_at is not None


def test_mark_read_ignores_an_off_site_next(client):
    # given
    message = InAppNotificationFactory()
    client.force_login(message.recipient)

    # when
    response = client.post(
        reverse("notifications:mark_read", args=[message.pk]), {"next": "https://evil.test/"}
    )

    # then
    assert response["Location"] == reverse("notifications:inbox")


@pytest.mark.parametrize("next_url", ["0", "inbox", "notifications:inbox", "account/"])
def test_mark_read_with_a_next_that_is_not_a_path_returns_to_the_inbox(client, next_url):
    # given: a "next" that is no path on this site (redirect() took some for view names)
    message = InAppNotificationFactory()
    client.force_login(message.recipient)

    # when
    response = client.post(
        reverse("notifications:mark_read", args=[message.pk]), {"next": next_url}
    )

    # then
    assert (response.status_code, response["Location"]) == (302, reverse("notifications:inbox"))
    message.refresh_from_db()
    assert message.read_at is not None


def test_mark_read_of_another_persons_message_is_not_found(client):
    # given
    message = InAppNotificationFactory()
    client.force_login(UserFactory())

    # when
    response = client.post(reverse("notifications:mark_read", args=[message.pk]))

    # then
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_mark_read_by_get_is_not_allowed(client):
    # given
    message = InAppNotificationFactory()
    client.force_login(message.recipient)

    # when
    response = client.get(reverse("notifications:mark_read", args=[message.pk]))

    # then
    assert response.status_code == 405


def test_dashboard_summary_shows_subject_body_unread_mark_and_link(rf):
    # given
    user = UserFactory()
    unread = InAppNotificationFactory(
        recipient=user, subject="Permit approved", link_url="https://portal.example.gov/c/1/"
    )
    read = InAppNotificationFactory(recipient=user, subject="Old news", read_at=timezone.now())
    request = rf.get("/account/")
    request.user = user

    # when
    html = render_to_string(
        "notifications/_dashboard_inbox.html",
        {"section": InboxSummary(messages=[unread, read], unread=1, unread_beyond_limit=False)},
        request=request,
    )

    # then
    assert "You have 1 unread message." in html
    assert '<a class="usa-link" href="https://portal.example.gov/c/1/">Permit approved</a>' in html
    assert "Your permit was approved." in html
    assert html.count(">New</span>") == 1
    assert reverse("notifications:mark_read", args=[unread.pk]) in html
    assert reverse("notifications:mark_read", args=[read.pk]) not in html


def test_inbox_has_one_form_and_one_token_however_many_messages(client):
    # given
    user = UserFactory()
    unread = [InAppNotificationFactory(recipient=user) for _ in range(3)]
    InAppNotificationFactory(recipient=user, read_at=timezone.now())
    client.force_login(user)

    # when
    html = client.get(reverse("notifications:inbox")).content.decode()

    # then
    inbox = html[html.index('class="notifications-inbox-form"') :]
    assert inbox.count('name="csrfmiddlewaretoken"') == 1
    assert inbox.count("<form") == 0
    assert inbox.count('<input type="hidden" name="next" value="/notifications/">') == 1
    for message in unread:
        action = reverse("notifications:mark_read", args=[message.pk])
        assert f'<button type="submit" formaction="{action}"' in inbox
    assert inbox.count("formaction=") == 3


def test_mark_read_from_the_shared_form_reads_only_that_message():
    # given
    user = UserFactory()
    first, second = (InAppNotificationFactory(recipient=user) for _ in range(2))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    html = client.get(reverse("portal:dashboard")).content.decode()
    inbox = html[html.index('class="notifications-inbox-form"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', inbox).group(1)

    # when: the button of the second message is pressed (its formaction, the form's fields)
    response = client.post(
        reverse("notifications:mark_read", args=[second.pk]),
        {"csrfmiddlewaretoken": token, "next": "/account/"},
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is None
    assert second.read_at is not None


# --- admin ---------------------------------------------------------------------------------


@pytest.fixture
def clerk_with_mfa(clerk):
    clerk.is_superuser = True
    clerk.save(update_fields=["is_superuser"])
    Authenticator.objects.create(user=clerk, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return clerk


def test_admin_list_shows_no_message_bodies(client, clerk_with_mfa):
    # given
    NotificationFactory(channel="sms", to_address="+12025550143", body="Your code is 4321")
    client.force_login(clerk_with_mfa)

    # when
    response = client.get(reverse("admin:notifications_notification_changelist"))

    # then
    assert response.status_code == 200
    assert b"Your code is 4321" not in response.content
    assert b"+12025550143" not in response.content


def test_admin_retry_now_resets_a_failed_notification(client, clerk_with_mfa):
    # given
    row = NotificationFactory(status="failed", attempts=6, last_error="SMTPDataError (554)")
    client.force_login(clerk_with_mfa)

    # when
    response = client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "retry_now", "_selected_action": [row.pk], "index": 0},
    )

    # then
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert Notification.objects.count() == 1


def test_dashboard_shows_my_messages(client):
    # given
    user = UserFactory()
    InAppNotificationFactory(recipient=user, subject="Permit approved")
    InAppNotificationFactory(subject="Someone else's news")
    client.force_login(user)

    # when
    response = client.get(reverse("portal:dashboard"))

    # then
    assert response.status_code == 200
    assert "notifications/_dashboard_inbox.html" in [t.name for t in response.templates]
    assert b"Permit approved" in response.content
    assert b"Someone else" not in response.content
    assert b"You have 1 unread message." in response.content


def test_dashboard_says_more_than_the_limit_when_the_unread_count_reaches_it(client, monkeypatch):
    # given: the count stops at 3 and the resident has 4 unread messages
    monkeypatch.setattr("notifications.selectors.UNREAD_COUNT_LIMIT", 3)
    user = UserFactory(preferred_language="en")
    InAppNotificationFactory.create_batch(4, recipient=user)
    client.force_login(user)

    # when
    english = client.get(reverse("portal:dashboard")).content.decode()
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "es"})
    spanish = client.get(reverse("portal:dashboard")).content.decode()

    # then
    assert "You have more than 2 unread messages." in english
    assert "You have 4 unread" not in english
    assert "Tiene más de 2 mensajes sin leer." in spanish
