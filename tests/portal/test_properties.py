"""Hostile input on the site's own public pages: the service search never fails."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given

from tests.accounts.factories import UserFactory
from tests.hostile import fuzz, no_server_error, params

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


@fuzz(40)
@given(query=params(["q", "page"]))
def test_random_service_searches_never_fail(visitor, query):
    no_server_error(visitor.get(reverse("portal:service_search"), query))
    no_server_error(visitor.get(reverse("portal:home"), query))
