"""Hostile input on the account pages our code shapes (allauth's sign-up, sign-in and
password reset with our forms and adapter; the profile): never a server error, and a
refused form keeps what was typed."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import fuzz, keeps_what_was_typed, no_server_error, params

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SIGNUP = {
    "full_name": "Sam Doe",
    "email": "sam@example.org",
    "password1": "correct horse battery",
    "password2": "correct horse battery",
}


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = False


@fuzz(50)
@given(
    data=params([*SIGNUP, "login", "password", "remember"], valid=SIGNUP),
    page=st.sampled_from(["account_signup", "account_login", "account_reset_password"]),
)
def test_random_account_forms_never_fail_and_keep_what_was_typed(db, data, page):
    response = Client().post(reverse(page), data)
    no_server_error(response)
    keeps_what_was_typed(response, data)


@fuzz(30)
@given(
    data=params(["full_name", "phone", "preferred_language", "notify_by_email", "notify_by_sms"])
)
def test_random_profiles_never_fail_and_keep_what_was_typed(resident, data):
    client = Client()
    client.force_login(resident)
    response = client.post(reverse("accounts:profile"), data)
    no_server_error(response)
    keeps_what_was_typed(response, data)


def test_a_refused_profile_shows_a_valid_phone_as_typed(resident):
    # given: a valid phone number beside an answer the form refuses
    client = Client()
    client.force_login(resident)
    data = {"full_name": "", "phone": "2012000000", "preferred_language": "en"}

    # when
    response = client.post(reverse("accounts:profile"), data)

    # then
    assert response.status_code == 200
    assert response.context["form"].errors
    keeps_what_was_typed(response, data)
