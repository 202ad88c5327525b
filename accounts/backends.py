"""Authentication backends: Django's and allauth's, loading the signed-in person in plain SQL.

Every request of a signed-in person loads their account (django.contrib.auth.get_user calls
the backend's `get_user`). Through the ORM that read compiles a queryset each time, which
costs more than the rest of the sign-in check together; here it is one fixed statement that
builds the same instance (see portal/sql.py). Everything else is the parent backend's.
"""

from __future__ import annotations

import functools

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection

from portal import sql


@functools.cache
def _user_by_pk() -> tuple[list, str]:
    """The user model's fields, and the statement reading them for one primary key."""
    model = get_user_model()
    fields = list(model._meta.concrete_fields)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    # Names from the model, the value a parameter.
    statement = f"SELECT {sql.select_list(fields)} FROM {table} WHERE {pk} = %s"  # noqa: S608
    return fields, statement


class _PlainSQLUserLoad:
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        fields, statement = _user_by_pk()
        with connection.cursor() as cursor:
            cursor.execute(statement, [pk])
            rows = cursor.fetchall()
        if not rows:
            return None
        (user,) = sql.instances(model, fields, rows)
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_PlainSQLUserLoad, django_backends.ModelBackend):
    """Django's ModelBackend (passwords, permissions), loading the user in plain SQL."""


class AuthenticationBackend(_PlainSQLUserLoad, allauth_backends.AuthenticationBackend):
    """allauth's backend (sign-in by e-mail), loading the user in plain SQL."""
