"""Signing in while PostgreSQL is down: a clear 503, and no failed attempt counted."""

import contextlib

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

# allauth's default limit on failed sign-ins: 5 per address per 5 minutes.
FAILED_SIGN_IN_LIMIT = 5


@contextlib.contextmanager
def database_down(error=OperationalError):
    """Every query fails the way psycopg fails when the server has gone away."""

    def refuse(execute, sql, params, many, context):
        raise error("connection to server failed: Connection refused")

    with connection.execute_wrapper(refuse):
        yield


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_sign_ins_refused_by_a_down_database_do_not_count_as_failed(resident, error):
    # given: more attempts than the failed sign-in limit, each while the database is down
    client = Client(raise_request_exception=False)
    credentials = {"login": resident.email, "password": DEFAULT_PASSWORD}
    with database_down(error):
        answers = [
            client.post(reverse("account_login"), credentials).status_code
            for _ in range(FAILED_SIGN_IN_LIMIT + 1)
        ]

    # when: the database is back
    response = client.post(reverse("account_login"), credentials)

    # then: the correct password works at once
    assert answers == [503] * (FAILED_SIGN_IN_LIMIT + 1)
    assert response.status_code == 302
    assert response.wsgi_request.user == resident


def test_wrong_passwords_still_count(resident, client):
    wrong = {"login": resident.email, "password": "not-the-password"}
    for _ in range(FAILED_SIGN_IN_LIMIT):
        client.post(reverse("account_login"), wrong)

    response = client.post(
        reverse("account_login"), {"login": resident.email, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.text


def test_a_down_database_gets_a_temporarily_unavailable_page_with_retry_after(resident):
    client = Client(raise_request_exception=False)
    credentials = {"login": resident.email, "password": DEFAULT_PASSWORD}

    with database_down():
        response = client.post(reverse("account_login"), credentials)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "The service is temporarily unavailable" in response.text
    assert "Error code: 503" in response.text
