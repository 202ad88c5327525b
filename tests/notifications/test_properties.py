"""Hostile input on the notification pages and webhooks: the one-click unsubscribe link (any
token, any body), the inbox of a signed-in resident, and Twilio's inbound-message webhook
(any body, any signature): never a server error."""

import base64
import hashlib
import hmac
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from notifications.models import SMSOptOut
from notifications.tokens import unsubscribe_token
from tests.accounts.factories import UserFactory
from tests.hostile import VALUES, fuzz, no_server_error, params
from tests.notifications.factories import InAppNotificationFactory, NotificationFactory

pytestmark = pytest.mark.django_db

SALT = "notifications.unsubscribe"
INBOUND_PATH = "/notifications/sms/twilio/inbound/"
TWILIO_TOKEN = "test-auth-token"


@pytest.fixture(params=["signed out", "signed in"])
def visitor(request, db):
    client = Client(enforce_csrf_checks=True)
    if request.param == "signed in":
        client.force_login(UserFactory())
    return client


@pytest.fixture
def rows(db):
    """An e-mail to a resident and one to a guest: the two kinds of unsubscribe token."""
    guest = NotificationFactory(recipient=None, to_address="guest@example.org")
    return [NotificationFactory(), guest]


def _signed_long_ago(payload) -> str:
    with mock.patch("django.core.signing.time.time", return_value=86_400):
        return signing.dumps(payload, salt=SALT, compress=True)


# Tokens a link could carry: random text, a real token cut short, a real payload signed for
# another purpose or in 1970, and payloads of shapes the portal never signs.
PAYLOADS = st.one_of(
    st.fixed_dictionaries({"u": st.integers()}),
    st.fixed_dictionaries({"n": st.integers()}),
    st.dictionaries(st.sampled_from(["u", "n", "x"]), VALUES | st.booleans() | st.none()),
    VALUES,
    st.lists(st.integers(), max_size=3),
)


@st.composite
def tokens(draw, rows):
    real = unsubscribe_token(draw(st.sampled_from(rows)))
    return draw(
        st.one_of(
            st.text(min_size=1, max_size=80),
            st.integers(min_value=1, max_value=len(real) - 1).map(lambda cut: real[:cut]),
            st.just(real + "x"),
            PAYLOADS.map(lambda payload: signing.dumps(payload, salt="another.salt")),
            PAYLOADS.map(lambda payload: signing.dumps(payload, salt=SALT)),
            PAYLOADS.map(_signed_long_ago),
            st.just(_signed_long_ago({"u": rows[0].recipient_id})),
        )
    ).replace("/", "_")


@fuzz(60)
@given(data=st.data(), body=params(["List-Unsubscribe", "confirm", "csrfmiddlewaretoken"]))
def test_random_unsubscribe_links_never_fail(visitor, rows, data, body):
    url = reverse("notifications:unsubscribe", args=[data.draw(tokens(rows))])
    no_server_error(visitor.get(url))
    no_server_error(visitor.post(url, body))
    one_click = visitor.post(
        url,
        data="List-Unsubscribe=One-Click&" + urlencode(body, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )
    no_server_error(one_click)


@fuzz(40)
@given(
    query=params(["page"]),
    pk=st.integers(min_value=0, max_value=10**30),
    form=params(["next"]),
)
def test_random_inbox_pages_and_ids_never_fail(visitor, query, pk, form):
    user_id = visitor.session.get("_auth_user_id")
    if user_id:
        InAppNotificationFactory(recipient=UserFactory._meta.model.objects.get(pk=user_id))
    no_server_error(visitor.get(reverse("notifications:inbox"), query))
    visitor.handler.enforce_csrf_checks = False
    no_server_error(visitor.post(f"/notifications/{pk}/read/", form))
    visitor.handler.enforce_csrf_checks = True


def _twilio_signature(fields: dict) -> str:
    url = "https://portal.example.gov" + INBOUND_PATH
    payload = url + "".join(f"{key}{fields[key]}" for key in sorted(fields))
    digest = hmac.new(TWILIO_TOKEN.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# Twilio's fields with hostile values.
INBOUND = params(["From", "Body", "To", "MessageSid", "AccountSid", "NumStatus"])
NUMBERS = st.sampled_from(["+12025550143", "+1" + "2" * 40, "+1202\x00555", "+"])
# Signed replies that are the keywords the webhook acts on, from any sender.
KEYWORD_REPLIES = st.fixed_dictionaries(
    {
        # Half of them numbers (a real one, one too long, one with a NUL), half anything.
        "From": st.booleans().flatmap(lambda number: NUMBERS if number else VALUES),
        "Body": st.sampled_from(["STOP", "start", " alto! ", "BAJA", "Hello"]),
    }
)


def _post_inbound(fields: dict, signature: str | None = None):
    # The signature covers what the portal reads: the last value of a repeated field.
    last = {key: value[-1] if isinstance(value, list) else value for key, value in fields.items()}
    return Client().post(
        INBOUND_PATH,
        data=urlencode(fields, doseq=True),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": _twilio_signature(last) if signature is None else signature},
    )


@fuzz(50)
@given(
    fields=INBOUND,
    signature=st.one_of(
        st.sampled_from(["", "bm90IGEgc2lnbmF0dXJl", "é", "\u2603", "x" * 5000]),
        st.text(alphabet=[chr(c) for c in range(32, 256)], max_size=40),
    ),
)
def test_random_inbound_messages_with_a_wrong_signature_are_refused(settings, fields, signature):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    response = _post_inbound(fields, signature)
    assert response.status_code == 403, response.content[:2000]


@fuzz(50)
@given(fields=INBOUND | KEYWORD_REPLIES)
def test_random_signed_inbound_messages_never_fail(settings, fields):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    no_server_error(_post_inbound(fields))


@fuzz(20)
@given(body=st.binary(max_size=200))
def test_random_bytes_at_the_inbound_webhook_never_fail(settings, body):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    response = Client().post(
        INBOUND_PATH,
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": _twilio_signature({})},
    )
    no_server_error(response)
    assert SMSOptOut.objects.count() == 0
