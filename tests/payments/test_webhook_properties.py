"""Hostile input at Stripe's webhook: any body under any signature header is a 400 with the
documented error, and a correctly signed event of any shape (fields missing, of the wrong
type, about a real payment or none) never causes a server error."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments import services
from payments.models import StripeEvent
from tests.hostile import VALUES, fuzz, no_server_error
from tests.payments.factories import InvoiceFactory
from tests.payments.stripe_stub import signature_header

pytestmark = pytest.mark.django_db

ERRORS = [{"error": "missing signature"}, {"error": "invalid signature"}]
EVENT_TYPES = [
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
]

# What JSON can hold, small: any scalar (NaN too, which Python's json reads), lists, objects.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["\x00", "a\x00b", "usd", "USD", "paid", "complete"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
# A field's value of any JSON type, flat or one level deep.
FIELD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
    st.sampled_from(["usd", "USD", "eur", "paid", "complete", "3", "pi_1"]),
    st.lists(st.integers() | st.text(max_size=4), max_size=2),
    st.dictionaries(
        st.sampled_from(["id", "data", "invoice_id"]), st.integers() | st.text(max_size=4)
    ),
)
SESSION_FIELDS = [
    "id",
    "metadata",
    "payment_status",
    "status",
    "amount_total",
    "currency",
    "payment_intent",
    "amount_refunded",
    "refunds",
]


@pytest.fixture
def payments(stripe_gateway, post_event):
    """A checkout not paid yet and a paid one: the objects a random event may be about."""

    def start():
        return services.payment_attempt_start(
            invoice=InvoiceFactory(),
            success_url="https://portal.example.gov/return/",
            cancel_url="https://portal.example.gov/cancel/",
        )

    pending, paid = start(), start()
    post_event(
        stripe_gateway.event(
            "checkout.session.completed", stripe_gateway.pay(paid.provider_reference)
        )
    )
    paid.refresh_from_db()
    return {
        "session": stripe_gateway.sessions[pending.provider_reference],
        "paid session": stripe_gateway.pay(paid.provider_reference),
        "charge": stripe_gateway.charge(paid.provider_reference),
    }


@fuzz(60)
@given(
    body=st.one_of(st.text(max_size=200), st.binary(max_size=200).map(repr), JSON.map(json.dumps)),
    header=st.one_of(
        st.just(""),
        st.text(alphabet=[chr(c) for c in range(32, 256)], max_size=80),
        st.sampled_from(["t=123,v1=deadbeef", "t=,v1=", "v1=", "t=abc", ",,,", "t=1" * 200]),
        st.integers().map(lambda t: f"t={t},v1={'0' * 64}"),
    ),
    another_secret=st.booleans(),
)
def test_random_bodies_under_random_signatures_are_refused_with_400(
    stripe_gateway, post_event, body, header, another_secret
):
    if another_secret:
        header = signature_header(body, "whsec_not_the_portals")
    response = post_event(body, header=header)
    assert response.status_code == 400, response.content[:2000]
    assert response.json() in ERRORS
    assert StripeEvent.objects.count() == 0


@fuzz(40)
@given(
    body=st.one_of(
        st.text(max_size=200),
        JSON.map(json.dumps),
        st.integers(min_value=1, max_value=100_000).map(lambda depth: "[" * depth + "]" * depth),
        st.integers(min_value=1, max_value=100_000).map(lambda depth: '{"a":' * depth),
    )
)
def test_correctly_signed_bodies_that_are_no_event_are_refused_with_400(
    stripe_gateway, post_event, body
):
    response = post_event(body)
    no_server_error(response)
    if response.status_code == 400:
        assert response.json() == {"error": "malformed payload"}


@st.composite
def events(draw, payments):
    """A Stripe event with fields missing or of another type or shape, now and then."""
    event = {
        "id": draw(st.uuids().map(lambda u: f"evt_{u.hex}") | JSON | VALUES),
        "object": "event",
        "type": draw(st.sampled_from(EVENT_TYPES) | JSON | VALUES),
        "livemode": draw(JSON),
        "data": draw(st.just({"object": {}}) | JSON),
    }
    for name in draw(st.lists(st.sampled_from(list(event)), max_size=2, unique=True)):
        del event[name]
    return event


@st.composite
def objects(draw, payments):
    """A real checkout session or charge of this portal, some of its fields changed or gone."""
    obj = dict(draw(st.sampled_from(list(payments.values()))))
    changes = draw(st.lists(st.sampled_from(SESSION_FIELDS), min_size=1, max_size=3, unique=True))
    for name in changes:
        if draw(st.integers(0, 3)):
            obj[name] = draw(FIELD | VALUES)
        else:
            obj.pop(name, None)
    return obj


@fuzz(40)
@given(data=st.data())
def test_correctly_signed_events_of_any_shape_never_fail(
    stripe_gateway, post_event, payments, data
):
    response = post_event(data.draw(events(payments)))
    no_server_error(response)
    assert response.status_code in (200, 400, 422)


@fuzz(100)
@given(data=st.data(), event_type=st.sampled_from(EVENT_TYPES))
def test_correctly_signed_events_about_odd_objects_never_fail(
    stripe_gateway, post_event, payments, data, event_type
):
    response = post_event(stripe_gateway.event(event_type, data.draw(objects(payments))))
    no_server_error(response)
    # 400 only for what the event table cannot keep (a NUL, NaN).
    assert response.status_code in (200, 422) or response.json() == {"error": "malformed payload"}
