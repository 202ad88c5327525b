"""Providers' delivery reports through django-anymail's real webhook view (Postmark's): a
bounce is recorded and announced, a delivery recorded, and nothing is accepted without the
webhook secret."""

import base64
import json

import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.signals import notification_undelivered
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

MESSAGE_ID = "883953f4-6105-42a2-a16a-77a8eac79483"
SECRET = "postmark:s3cret-webhook"


@pytest.fixture
def sent_email():
    return Notification.objects.create(
        recipient=UserFactory(),
        to_address="pat@example.org",
        channel="email",
        template_key="tests/greeting",
        language="en",
        status="sent",
        sent_at="2026-03-17T12:00:00Z",
        dedupe_key="test:delivery:email",
        provider_message_id=MESSAGE_ID,
    )


@pytest.fixture
def announced():
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    notification_undelivered.connect(listener, dispatch_uid="tests.delivery_reports")
    yield heard
    notification_undelivered.disconnect(dispatch_uid="tests.delivery_reports")


def _post(client, payload, *, secret=SECRET):
    headers = {}
    if secret:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(secret.encode()).decode()
    return client.post(
        reverse("notifications:anymail:postmark_tracking_webhook"),
        data=json.dumps(payload),
        content_type="application/json",
        **headers,
    )


BOUNCE = {
    "RecordType": "Bounce",
    "ID": 42,
    "Type": "HardBounce",
    "MessageID": MESSAGE_ID,
    "Email": "pat@example.org",
    "Description": "The server was unable to deliver your message (ex: unknown user).",
    "Details": "smtp;550 5.1.1 unknown user",
    "BouncedAt": "2026-03-17T12:01:00Z",
}


def test_a_bounce_is_recorded_and_announced_once(client, settings, sent_email, announced):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}

    first = _post(client, BOUNCE)
    second = _post(client, BOUNCE)

    assert first.status_code == second.status_code == 200
    sent_email.refresh_from_db()
    assert sent_email.delivery == "bounced"
    assert "unknown user" in sent_email.delivery_detail
    assert [(a["notification_id"], a["channel"]) for a in announced] == [(sent_email.pk, "email")]


def test_a_delivery_is_recorded(client, settings, sent_email, announced):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}

    response = _post(
        client,
        {"RecordType": "Delivery", "MessageID": MESSAGE_ID, "Recipient": "pat@example.org",
         "DeliveredAt": "2026-03-17T12:00:30Z", "Details": "Test delivery"},
    )  # fmt: skip

    assert response.status_code == 200
    sent_email.refresh_from_db()
    assert sent_email.delivery == "delivered"
    assert announced == []


def test_a_report_with_the_wrong_secret_or_none_configured_changes_nothing(
    client, settings, sent_email, announced
):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    wrong = _post(client, BOUNCE, secret="postmark:guess")
    settings.ANYMAIL = {k: v for k, v in settings.ANYMAIL.items() if k != "WEBHOOK_SECRET"}
    unconfigured = _post(client, BOUNCE, secret="")

    assert wrong.status_code == 400
    assert unconfigured.status_code == 200  # anymail answers; the portal records nothing
    sent_email.refresh_from_db()
    assert sent_email.delivery == ""
    assert announced == []


def test_a_provider_whose_library_is_not_installed_has_no_webhook(client):
    # Amazon SES's view needs boto3, which the portal does not install: its address must
    # not exist (a 404), never a server error.
    response = client.post(
        "/notifications/anymail/amazon_ses/tracking/", data="{}", content_type="application/json"
    )

    assert response.status_code == 404
