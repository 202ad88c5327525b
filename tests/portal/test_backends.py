"""The portal's variants of Django's backends: the database health check, the static files
storage and the in-process cache."""

import json
import select
import time
import warnings

import pytest
from django.core.cache import caches
from django.db import connection, connections

from portal.storage import CompressedManifestStaticFilesStorage

# --- database: a health check without a query ---------------------------------------------


@pytest.fixture
def kept_connection(db):
    """A second connection to the test database, as a web worker keeps one between requests."""
    kept = connections.create_connection("default")
    kept.ensure_connection()
    yield kept
    kept.close()


def _wait_until_dropped(kept) -> bool:
    deadline = time.monotonic() + 5
    while kept.is_usable() and time.monotonic() < deadline:
        time.sleep(0.01)
    return not kept.is_usable()


def _readable_within(socket: int, *, seconds: float) -> bool:
    poller = select.poll()
    poller.register(socket, select.POLLIN)
    return bool(poller.poll(seconds * 1000))


def test_the_backend_is_the_portals(kept_connection):
    assert type(kept_connection).__module__ == "portal.db.base"
    assert kept_connection.vendor == "postgresql"


def test_an_idle_connection_is_usable(kept_connection):
    # given
    with kept_connection.cursor() as cursor:
        cursor.execute("SELECT 1")

    # when / then
    assert kept_connection.is_usable()


def test_the_check_sends_no_query(kept_connection, monkeypatch):
    # given: a connection on which any query fails the test
    def no_query(*args, **kwargs):
        raise AssertionError("the health check sent a query")

    monkeypatch.setattr(kept_connection.connection, "execute", no_query)
    monkeypatch.setattr(kept_connection.connection, "cursor", no_query)

    # when / then
    assert kept_connection.is_usable()


def test_a_connection_in_an_open_transaction_is_usable(kept_connection):
    # given
    kept_connection.connection.autocommit = False
    kept_connection.connection.execute("SELECT 1")

    # when / then
    assert kept_connection.is_usable()
    kept_connection.connection.rollback()


def test_a_notification_that_arrived_leaves_the_connection_usable(kept_connection):
    # given: the server sends a message unasked
    kept_connection.connection.execute("LISTEN portal_health_check")
    sender = connections.create_connection("default")
    with sender.cursor() as cursor:  # autocommit: the notification leaves at once
        cursor.execute("NOTIFY portal_health_check")
    sender.close()
    socket = kept_connection.connection.pgconn.socket
    assert _readable_within(socket, seconds=5)

    # when / then
    assert kept_connection.is_usable()
    assert kept_connection.connection.execute("SELECT 2").fetchone() == (2,)


def test_a_connection_the_server_dropped_is_not(kept_connection):
    # given
    pid = kept_connection.connection.info.backend_pid
    assert kept_connection.is_usable()

    # when: the server ends it, as a restart or an idle timeout would
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    # then
    assert _wait_until_dropped(kept_connection)


def test_a_dropped_connection_is_replaced_before_the_next_request_queries(kept_connection):
    # given
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(%s)", [kept_connection.connection.info.backend_pid]
        )
    assert _wait_until_dropped(kept_connection)

    # when: a new request starts, and with it the health check
    kept_connection.close_if_unusable_or_obsolete()
    kept_connection.health_check_enabled, kept_connection.health_check_done = True, False
    with kept_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        answer = cursor.fetchone()

    # then
    assert answer == (1,)


def test_a_connection_in_a_failed_transaction_is_not_usable(kept_connection):
    # given
    kept_connection.connection.autocommit = False
    with pytest.raises(Exception, match="division by zero"):
        kept_connection.connection.execute("SELECT 1 / 0")

    # when / then
    assert not kept_connection.is_usable()
    kept_connection.connection.rollback()
    assert kept_connection.is_usable()


# --- static files: each URL computed once -------------------------------------------------


def test_static_urls_are_the_manifests_and_computed_once(tmp_path, settings):
    # given
    settings.STATIC_URL = "/static/"
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"portal/site.css": "portal/site.0a1b2c.css"}})
    )
    storage = CompressedManifestStaticFilesStorage(location=tmp_path, base_url="/static/")

    # when
    first = storage.url("portal/site.css")
    storage.hashed_files["portal/site.css"] = "portal/site.ffffff.css"
    second = storage.url("portal/site.css")

    # then
    assert first == second == "/static/portal/site.0a1b2c.css"
    assert storage.url("portal/site.css", force=True) == "/static/portal/site.ffffff.css"


# --- in-process cache: no memcached key checks --------------------------------------------


def test_the_fragments_cache_takes_any_key_without_warnings():
    # given
    fragments = caches["fragments"]

    # when
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fragments.set("a key with spaces and\ttabs", "value")
        value = fragments.get("a key with spaces and\ttabs")

    # then
    assert value == "value"
