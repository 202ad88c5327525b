import pytest
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse

from accounts.backends import AuthenticationBackend, ModelBackend
from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BACKENDS = [ModelBackend, AuthenticationBackend]


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda backend: backend.__name__)
def test_get_user_builds_the_same_account_the_orm_loads(backend):
    # given
    user = UserFactory(full_name="Ana Ruiz", phone="+15555550123", preferred_language="es")

    # when
    loaded = backend().get_user(str(user.pk))

    # then: every field, and a saved instance with nothing deferred
    expected = User.objects.get(pk=user.pk)
    assert loaded == expected
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert loaded.get_deferred_fields() == set()
    assert loaded._state.adding is False


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda backend: backend.__name__)
def test_get_user_finds_nobody_for_a_missing_a_malformed_or_an_inactive_account(backend):
    # given
    inactive = UserFactory(is_active=False)

    # when / then
    assert backend().get_user("987654321") is None
    assert backend().get_user("not-a-number") is None
    assert backend().get_user(str(inactive.pk)) is None


def test_a_person_signed_in_through_the_form_is_recognized_on_the_next_request():
    # given
    user = UserFactory(email="ana@example.org")
    client = Client()

    # when
    response = client.post(
        reverse("account_login"), {"login": "ana@example.org", "password": DEFAULT_PASSWORD}
    )

    # then
    assert response.status_code == 302
    request = client.get(reverse("portal:dashboard")).wsgi_request
    assert request.session["_auth_user_backend"].startswith("accounts.backends.")
    assert get_user(request) == user


def test_a_password_change_elsewhere_signs_the_session_out():
    # given: a signed-in session, then the password changes
    user = UserFactory()
    client = Client()
    client.force_login(user, backend="accounts.backends.AuthenticationBackend")
    user.set_password("An0ther-long-passphrase")
    user.save()

    # when
    response = client.get(reverse("portal:dashboard"))

    # then: the session's hash no longer matches the stored password
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
