import base64
import hashlib
import hmac

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from notifications.models import Notification, SMSOptOut
from notifications.services import notification_send, notifications_dispatch
from notifications.signals import notification_undelivered
from notifications.sms import SMSRejected, TwilioSMSBackend
from tests.accounts.factories import UserFactory
from tests.notifications.twilio_stub import TwilioStub

pytestmark = pytest.mark.django_db

PHONE = "+12025550143"
INBOUND_PATH = "/notifications/sms/twilio/inbound/"
STATUS_PATH = "/notifications/sms/twilio/status/"
STATUS_CALLBACK = "https://portal.example.gov" + STATUS_PATH
TOKEN = "test-auth-token"


@pytest.fixture
def twilio(settings):
    stub = TwilioStub().start()
    settings.SMS_BACKEND = "notifications.sms.TwilioSMSBackend"
    settings.TWILIO_API_BASE = stub.url
    settings.TWILIO_ACCOUNT_SID = "AC0123456789"
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM_NUMBER = "+12175550100"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    yield stub
    stub.stop()


def _queue_sms(user):
    rows = notification_send(
        user=user,
        dedupe_key=f"sms-test-{Notification.objects.count()}",
        template_key="tests/greeting",
        context={"topic": "your permit"},
    )
    return next(row for row in rows if row.channel == "sms")


def _texter():
    return UserFactory(notify_by_email=False, notify_by_sms=True, phone=PHONE)


def _signed(params: dict, token: str = TOKEN, path: str = INBOUND_PATH) -> str:
    url = "https://portal.example.gov" + path
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def test_the_twilio_backend_posts_the_message_and_returns_twilios_id(twilio):
    # when
    message_id = TwilioSMSBackend().send(to=PHONE, body="Springfield: your permit")

    # then
    [request] = twilio.requests
    assert request.path == "/2010-04-01/Accounts/AC0123456789/Messages.json"
    assert request.form == {
        "To": PHONE,
        "From": "+12175550100",
        "Body": "Springfield: your permit",
        "StatusCallback": STATUS_CALLBACK,
    }
    expected_auth = base64.b64encode(b"AC0123456789:test-auth-token").decode()
    assert request.authorization == f"Basic {expected_auth}"
    assert message_id.startswith("SM")


def test_a_messaging_service_is_used_instead_of_a_number_when_set(twilio, settings):
    # given
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG42"

    # when
    TwilioSMSBackend().send(to=PHONE, body="Hello")

    # then
    assert twilio.requests[0].form == {
        "To": PHONE,
        "MessagingServiceSid": "MG42",
        "Body": "Hello",
        "StatusCallback": STATUS_CALLBACK,
    }


def test_the_twilio_backend_refuses_to_start_without_credentials(settings):
    # given
    settings.TWILIO_ACCOUNT_SID = ""

    # then
    with pytest.raises(ImproperlyConfigured, match="TWILIO_ACCOUNT_SID"):
        TwilioSMSBackend()


def test_the_dispatcher_sends_through_twilio(twilio):
    # given
    row = _queue_sms(_texter())

    # when
    notifications_dispatch()

    # then
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    assert row.provider_message_id.startswith("SM")
    assert [r.form["To"] for r in twilio.requests] == [PHONE]


def test_a_server_error_is_retried_later(twilio):
    # given
    row = _queue_sms(_texter())
    twilio.fail_next(503, 20503, "Service unavailable")

    # when
    notifications_dispatch()

    # then
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "SMSProviderError (503/20503)"
    assert SMSOptOut.objects.count() == 0


def test_an_invalid_number_fails_at_once_without_retries(twilio):
    # given
    row = _queue_sms(_texter())
    twilio.fail_next(400, 21211, "The 'To' number is not a valid phone number.")

    # when
    notifications_dispatch()

    # then
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "SMSRejected (400/21211)")
    assert SMSOptOut.objects.count() == 0


def test_a_number_that_replied_stop_to_the_carrier_gets_no_more_texts(twilio):
    # given: Twilio refuses with 21610, the recipient having texted STOP
    user = _texter()
    first = _queue_sms(user)
    twilio.fail_next(400, 21610, "Attempt to send to unsubscribed recipient")
    notifications_dispatch()

    # when: another text is queued for the same number
    second = _queue_sms(user)
    notifications_dispatch()

    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("failed", "skipped")
    assert list(SMSOptOut.objects.values_list("phone", "source")) == [(PHONE, "provider")]
    assert len(twilio.requests) == 1


def test_the_rejection_names_the_opt_out(twilio):
    twilio.fail_next(400, 21610, "Attempt to send to unsubscribed recipient")

    with pytest.raises(SMSRejected) as refused:
        TwilioSMSBackend().send(to=PHONE, body="Hello")

    assert refused.value.opted_out is True


@pytest.mark.parametrize(("word", "listed"), [("STOP", True), ("alto", True), ("Hello", False)])
def test_a_stop_reply_puts_the_number_on_the_opt_out_list(client, settings, word, listed):
    # given
    settings.TWILIO_AUTH_TOKEN = TOKEN
    params = {"From": PHONE, "Body": word, "MessageSid": "SM1"}

    # when
    response = client.post(INBOUND_PATH, params, headers={"X-Twilio-Signature": _signed(params)})

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert SMSOptOut.objects.filter(phone=PHONE, source="reply").exists() is listed


def test_a_start_reply_lifts_the_opt_out(client, settings):
    # given
    settings.TWILIO_AUTH_TOKEN = TOKEN
    SMSOptOut.objects.create(phone=PHONE, source="reply")
    params = {"From": PHONE, "Body": "START"}

    # when
    client.post(INBOUND_PATH, params, headers={"X-Twilio-Signature": _signed(params)})

    # then
    assert SMSOptOut.objects.count() == 0


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", "wrong-token", "signé"])
def test_an_inbound_message_with_a_bad_signature_is_refused(client, settings, signature):
    # given
    settings.TWILIO_AUTH_TOKEN = TOKEN
    params = {"From": PHONE, "Body": "STOP"}
    header = _signed(params, token="another-token") if signature == "wrong-token" else signature

    # when
    response = client.post(INBOUND_PATH, params, headers={"X-Twilio-Signature": header})

    # then
    assert response.status_code == 403
    assert SMSOptOut.objects.count() == 0


def test_the_inbound_url_is_the_documented_one():
    assert reverse("notifications:twilio_inbound") == INBOUND_PATH


@pytest.mark.parametrize("sender", ["+1" + "2" * 40, "+1202555\x000143"])
def test_a_stop_from_a_sender_no_phone_number_can_be_is_ignored(client, settings, sender):
    # given: correctly signed, but "From" is longer than any phone number or holds a NUL
    settings.TWILIO_AUTH_TOKEN = TOKEN
    params = {"From": sender, "Body": "STOP"}

    # when
    response = client.post(INBOUND_PATH, params, headers={"X-Twilio-Signature": _signed(params)})

    # then
    assert response.status_code == 200
    assert SMSOptOut.objects.count() == 0


# --- Status callbacks (delivery reports) ------------------------------------------------------


@pytest.fixture
def undelivered():
    announced = []

    def listener(sender, **kwargs):
        announced.append(kwargs)

    notification_undelivered.connect(listener, dispatch_uid="tests.sms_status")
    yield announced
    notification_undelivered.disconnect(dispatch_uid="tests.sms_status")


def _sent_sms(twilio) -> Notification:
    row = _queue_sms(_texter())
    notifications_dispatch()
    row.refresh_from_db()
    assert row.status == "sent" and row.provider_message_id.startswith("SM")
    return row


def _report(client, row, status: str, error_code: str = "", signature: str | None = None):
    params = {
        "AccountSid": "AC0123456789",
        "MessageSid": row.provider_message_id,
        "MessageStatus": status,
        "To": PHONE,
    }
    if error_code:
        params["ErrorCode"] = error_code
    header = _signed(params, path=STATUS_PATH) if signature is None else signature
    return client.post(STATUS_PATH, params, headers={"X-Twilio-Signature": header})


def test_a_delivered_text_is_recorded_and_announces_nothing(client, twilio, undelivered):
    # given
    row = _sent_sms(twilio)

    # when: Twilio reports the steps on the way, then the delivery
    responses = [_report(client, row, status) for status in ("queued", "sent", "delivered")]

    # then
    assert [r.status_code for r in responses] == [204, 204, 204]
    row.refresh_from_db()
    assert (row.delivery, row.delivery_detail) == ("delivered", "delivered")
    assert undelivered == []


@pytest.mark.parametrize(
    ("status", "error_code", "detail"),
    [("undelivered", "30003", "undelivered (30003)"), ("failed", "30008", "failed (30008)")],
)
def test_an_undelivered_or_failed_text_is_recorded_and_announced_once(
    client, twilio, undelivered, status, error_code, detail
):
    # given
    row = _sent_sms(twilio)

    # when: reported twice (Twilio retries a callback it thinks was lost)
    _report(client, row, status, error_code)
    _report(client, row, status, error_code)

    # then
    row.refresh_from_db()
    assert (row.delivery, row.delivery_detail) == ("bounced", detail)
    assert [(a["notification_id"], a["channel"], a["reason"]) for a in undelivered] == [
        (row.pk, "sms", detail)
    ]


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", "wrong-token", "signé"])
def test_a_status_report_with_a_bad_signature_is_refused(client, twilio, undelivered, signature):
    # given
    row = _sent_sms(twilio)
    params = {"MessageSid": row.provider_message_id, "MessageStatus": "failed"}
    header = (
        _signed(params, "another-token", STATUS_PATH) if signature == "wrong-token" else signature
    )

    # when
    response = _report(client, row, "failed", signature=header)

    # then
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.delivery == ""
    assert undelivered == []


def test_a_report_on_a_text_the_portal_did_not_send_changes_nothing(client, settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    params = {"MessageSid": "SMunknown", "MessageStatus": "undelivered"}

    response = client.post(
        STATUS_PATH, params, headers={"X-Twilio-Signature": _signed(params, path=STATUS_PATH)}
    )

    assert response.status_code == 204
    assert not Notification.objects.exclude(delivery="").exists()


def test_the_status_url_is_the_documented_one():
    assert reverse("notifications:twilio_status") == STATUS_PATH
