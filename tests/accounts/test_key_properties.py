"""Hostile input on allauth's pages reached by an e-mailed key (confirm an address, reset a
password), on the two-factor pages the portal turns on, and on every account page's query
string: never a server error, signed out or signed in."""

import string
from unittest import mock
from urllib.parse import quote

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.totp.internal.auth import TOTP
from django.core import signing
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.hostile import VALUES, fuzz, keeps_what_was_typed, no_server_error, params

pytestmark = pytest.mark.django_db

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _fast_password_hashing_and_no_rate_limits(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.fixture(params=["signed out", "signed in"])
def visitor(request, db):
    client = Client()
    if request.param == "signed in":
        client.force_login(UserFactory())
    return client


def _signed_long_ago(value, salt: str) -> str:
    with mock.patch("django.core.signing.time.time", return_value=86_400):
        return signing.dumps(value, salt=salt)


def _variants(real: str, salt: str, pk):
    """Keys a link could carry: random text, the real key cut short or lengthened, the
    real content signed for another purpose, or signed long ago (expired)."""
    return st.one_of(
        st.text(
            alphabet=st.characters(categories=["L", "N"]) | st.sampled_from("-:_"),
            min_size=1,
            max_size=80,
        ),
        st.integers(min_value=1, max_value=len(real) - 1).map(lambda cut: real[:cut]),
        st.just(real + "x"),
        st.just(signing.dumps(pk, salt="another.salt")),
        st.just(_signed_long_ago(pk, salt)),
    )


@pytest.fixture
def unconfirmed(db):
    """A new resident whose address is not confirmed yet, and the key e-mailed to them."""
    user = UserFactory(verified=False)
    address = EmailAddress.objects.create(user=user, email=user.email, primary=True)
    return address, EmailConfirmationHMAC(address).key


@fuzz(40)
@given(data=st.data())
def test_random_e_mail_confirmation_keys_never_fail(visitor, unconfirmed, data):
    address, real = unconfirmed
    key = data.draw(_variants(real, account_settings.SALT, address.pk))
    url = f"/accounts/confirm-email/{quote(key)}/"
    no_server_error(visitor.get(url))
    no_server_error(visitor.post(url, data.draw(params(["key", "action"]))))
    address.refresh_from_db()
    assert address.verified is False


RESET = {"password1": "another-long-passphrase", "password2": "another-long-passphrase"}


@fuzz(40)
@given(
    data=st.data(),
    uid=st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=20),
    form=params(["password1", "password2"], valid=RESET),
)
def test_random_password_reset_keys_never_fail(visitor, resident, data, uid, form):
    real = default_token_generator.make_token(resident)
    own_uid = user_pk_to_url_str(resident)
    key = data.draw(
        st.one_of(
            st.text(min_size=1, max_size=60).map(lambda text: text.replace("/", "_")),
            st.integers(min_value=1, max_value=len(real) - 1).map(lambda cut: real[:cut]),
            st.just(real + "x"),
        )
    )
    for path_uid in (uid, own_uid):
        url = f"/accounts/password/reset/key/{path_uid}-{quote(key)}/"
        no_server_error(visitor.get(url))
        no_server_error(visitor.post(url, form))
    resident.refresh_from_db()
    assert resident.check_password(DEFAULT_PASSWORD)


@fuzz(30)
@given(form=params(["password1", "password2"], valid=RESET))
def test_random_new_passwords_from_a_real_reset_key_never_fail(client, resident, form):
    url = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(resident),
            "key": default_token_generator.make_token(resident),
        },
    )
    page = client.get(url)
    no_server_error(page)
    response = client.post(page.get("Location", url), form)
    no_server_error(response)
    keeps_what_was_typed(response, form)


@pytest.fixture
def enrolled(db):
    """A resident who signs in with a password and a code from an authenticator app."""
    user = UserFactory()
    TOTP.activate(user, TOTP_SECRET)
    return user


@fuzz(30)
@given(form=params(["code"]))
def test_random_second_factor_codes_never_fail(enrolled, form):
    client = Client()
    client.post(reverse("account_login"), {"login": enrolled.email, "password": DEFAULT_PASSWORD})
    page = client.get(reverse("mfa_authenticate"), form)
    assert page.status_code == 200, "the password did not lead to the second factor"
    response = client.post(reverse("mfa_authenticate"), form)
    no_server_error(response)
    assert "_auth_user_id" not in client.session


SIGNED_IN_FORMS = {
    "account_reauthenticate": ["password"],
    "mfa_reauthenticate": ["code"],
    "account_email": ["email", "action_add", "action_send", "action_primary", "action_remove"],
    "account_change_password": ["oldpassword", "password1", "password2"],
    "account_set_password": ["password1", "password2"],
    "mfa_activate_totp": ["code", "signed_secret"],
    "mfa_deactivate_totp": ["code"],
    "mfa_generate_recovery_codes": ["action"],
}


@fuzz(60)
@given(
    page=st.sampled_from(sorted(SIGNED_IN_FORMS)),
    data=st.data(),
    mfa=st.booleans(),
)
def test_random_account_settings_forms_never_fail(resident, enrolled, page, data, mfa):
    user = enrolled if mfa else resident
    client = Client()
    client.force_login(user)
    # Fresh from typing the password: the pages that ask for it again show their form.
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    form = data.draw(params(SIGNED_IN_FORMS[page]))
    response = client.post(reverse(page), form)
    no_server_error(response)
    keeps_what_was_typed(response, form)


ACCOUNT_PAGES = [
    "account_login",
    "account_signup",
    "account_inactive",
    "account_reauthenticate",
    "account_email",
    "account_email_verification_sent",
    "account_change_password",
    "account_set_password",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "account_confirm_login_code",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    "mfa_index",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "accounts:profile",
]


@fuzz(40)
@given(query=params(["next", "email", "key", "page", "uid"]))
def test_random_queries_on_every_account_page_never_fail(visitor, query):
    for page in ACCOUNT_PAGES:
        no_server_error(visitor.get(reverse(page), query))


@fuzz(20)
@given(next_url=VALUES)
def test_signing_out_to_a_random_next_never_fails(resident, next_url):
    client = Client()
    client.force_login(resident)
    no_server_error(client.post(reverse("account_logout"), {"next": next_url}))
    assert "_auth_user_id" not in client.session
