"""Hostile input on the payment pages a guest reaches (find an invoice, its signed link,
the local test gateway): never a server error, and a refused form keeps what was typed."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from payments.tokens import guest_token
from tests.accounts.factories import UserFactory
from tests.hostile import VALUES, fuzz, keeps_what_was_typed, no_server_error, params
from tests.payments.factories import GuestInvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(params=["signed out", "signed in"])
def visitor(request, db):
    client = Client()
    if request.param == "signed in":
        client.force_login(UserFactory())
    return client


@pytest.fixture
def invoice(db, settings):
    settings.PAYMENTS_GATEWAY = "local"
    return GuestInvoiceFactory()


@fuzz(60)
@given(
    data=params(["reference", "email"], valid={"reference": "INV-2026-000001", "email": "a@b.org"})
)
def test_random_invoice_searches_never_fail_and_keep_what_was_typed(visitor, invoice, data):
    response = visitor.post(reverse("payments:find"), data)
    no_server_error(response)
    keeps_what_was_typed(response, data)


@fuzz(40)
@given(
    query=params(["cancelled", "session_id"]),
    decision=VALUES,
    token=st.text(min_size=1, max_size=60).map(lambda text: text.replace("/", "_")),
)
def test_random_guest_payment_pages_never_fail(visitor, invoice, query, decision, token):
    for name in ("guest_invoice", "guest_invoice_pay", "guest_invoice_return"):
        no_server_error(visitor.get(reverse(f"payments:{name}", kwargs={"token": token}), query))
    signed = guest_token(invoice=invoice)
    no_server_error(visitor.get(reverse("payments:guest_invoice", kwargs={"token": signed}), query))
    no_server_error(
        visitor.get(reverse("payments:guest_invoice_return", kwargs={"token": signed}), query)
    )
    pay = visitor.post(reverse("payments:guest_invoice_pay", kwargs={"token": signed}))
    no_server_error(pay)
    if "/test-gateway/" in pay.get("Location", ""):
        no_server_error(visitor.post(pay["Location"], {"decision": decision}))
