"""Hostile input on the public license pages (lookup, verification, complaints, renewal by
link): never a server error; first the cases found so far, then random input at every form."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cases.questions.models import Question
from licensing.models import Application, Complaint
from licensing.services.renewal_links import renewal_link_token
from licensing.verification import verify_token
from tests.accounts.factories import UserFactory
from tests.hostile import fuzz, keeps_what_was_typed, no_server_error, params
from tests.licensing.factories import LicenseTypeFactory, QuestionFactory
from tests.licensing.license_factory import LicenseFactory

pytestmark = pytest.mark.django_db

LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example.org"  # 259 characters
TOO_LONG = "Ensure this value has at most 254 characters (it has 259)."


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def license_type(db):
    license_type = LicenseTypeFactory(
        renewal_window_days=90, grace_days=30, auto_approve_renewals=True
    )
    QuestionFactory(
        license_type=license_type, code="hours", kind=Question.Kind.NUMBER, for_renewal=True
    )
    return license_type


@pytest.fixture
def imported(license_type):
    """A license without an account, in its renewal window: its holder renews by link."""
    return LicenseFactory(
        license_type=license_type,
        holder=None,
        holder_name="Pat Holder",
        holder_email="pat@example.net",
        expires_on=timezone.localdate() + datetime.timedelta(days=28),
    )


def guest_renewal_url(client, imported) -> str:
    token = renewal_link_token(license_id=imported.pk, expires_on=imported.expires_on)
    response = client.post(reverse("licensing:renew_link", kwargs={"token": token}))
    assert response.status_code == 302
    return response["Location"]


def test_a_complaint_with_an_e_mail_address_too_long_to_keep_is_explained(client, imported):
    # when
    response = client.post(
        reverse("licensing:complain", args=[imported.number]),
        {"name": "Sam", "email": LONG_EMAIL, "details": "Rude and late."},
    )

    # then
    assert response.status_code == 400
    assert TOO_LONG in text(response) and "Rude and late." in text(response)
    assert Complaint.objects.count() == 0


def test_a_renewal_by_link_with_an_e_mail_address_too_long_to_keep_is_explained(client, imported):
    # given
    url = guest_renewal_url(client, imported)

    # when
    response = client.post(
        url,
        {"holder_name": "Pat Holder", "email": LONG_EMAIL, "address": "1 Main St", "hours": "3"},
    )

    # then
    assert response.status_code in (200, 400)
    assert TOO_LONG in text(response) and "1 Main St" in text(response)
    assert Application.objects.get().email == "pat@example.net"


# --- Random input at every public license page ----------------------------------------------


@pytest.fixture(params=["signed out", "signed in"])
def visitor(request, db):
    client = Client()
    if request.param == "signed in":
        client.force_login(UserFactory())
    return client


@fuzz(60)
@given(
    search=params(["q", "type", "after"]),
    token=st.text(min_size=1, max_size=60).map(lambda text: text.replace("/", "_")),
)
def test_random_lookups_and_verifications_never_fail(visitor, imported, search, token):
    no_server_error(visitor.get(reverse("licensing:lookup"), search))
    no_server_error(visitor.get(reverse("licensing:types"), search))
    for name in ("verify", "renew_link", "renew_guest_details", "renew_guest_check"):
        no_server_error(visitor.get(reverse(f"licensing:{name}", kwargs={"token": token})))
    no_server_error(
        visitor.get(reverse("licensing:verify", kwargs={"token": verify_token(license=imported)}))
    )


@fuzz(60)
@given(
    data=params(
        ["name", "email", "details", "occurred_on", "submission"],
        valid={"name": "Sam", "email": "sam@example.org", "details": "Rude and late."},
    )
)
def test_random_complaints_never_fail_and_keep_what_was_typed(visitor, imported, data):
    response = visitor.post(reverse("licensing:complain", args=[imported.number]), data)
    no_server_error(response)
    keeps_what_was_typed(response, data)


@fuzz(60)
@given(
    data=params(
        ["holder_name", "business_name", "email", "phone", "address", "hours"],
        valid={"holder_name": "Pat", "email": "pat@example.org", "address": "1 Main St"},
    ),
    page=st.sampled_from(["details", "check"]),
)
def test_random_renewals_by_link_never_fail_and_keep_what_was_typed(visitor, imported, data, page):
    url = guest_renewal_url(Client(), imported)
    if page == "check":
        url = url.rstrip("/") + "/check/"
    response = visitor.post(url, data)
    no_server_error(response)
    keeps_what_was_typed(response, data)
