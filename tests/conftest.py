import logging

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.utils import translation


def _sync_case_declarations(**kwargs) -> None:
    from cases.declarations import declarations_sync
    from cases.workflow import registered_workflows
    from tests.cases.workflows import TEST_WORKFLOWS

    workflows = {workflow.kind: workflow for workflow in registered_workflows()}
    workflows.update({workflow.kind: workflow for workflow in TEST_WORKFLOWS})
    declarations_sync(workflows=workflows.values())


_DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server"}


def _needs_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


@pytest.fixture(autouse=True, scope="session")
def _case_declarations(request, django_db_blocker):
    """The test database accepts the statuses and events of every workflow, the test
    workflows included, registered or not: now (a reused database has not been migrated in
    this session) and after every flush by a transactional test (which empties the
    declarations and emits post_migrate, when a test workflow may not be registered yet)."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    if not any(_needs_database(item) for item in request.session.items):
        return  # no test database is made for a run that needs none
    request.getfixturevalue("django_db_setup")
    with django_db_blocker.unblock():
        _sync_case_declarations()
    post_migrate.connect(
        _sync_case_declarations,
        sender=apps.get_app_config("cases"),
        dispatch_uid="tests_case_declarations",
    )


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with empty caches, so rate limits and layout fragments rendered with
    another test's settings do not leak between tests."""
    cache.clear()
    caches["fragments"].clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the portal's default language. A request in Spanish leaves Spanish
    active in the thread (Django's locale middleware activates a language per request and
    never deactivates it), and code rendered outside a request would read it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def resident(db):
    from tests.accounts.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_resident(db):
    from tests.accounts.factories import UserFactory

    return UserFactory()


@pytest.fixture
def clerk(db):
    from tests.accounts.factories import StaffFactory

    return StaffFactory()


@pytest.fixture(autouse=True)
def _property_tests_keep_only_error_logs(request):
    """A property test makes thousands of requests, and pytest keeps every log record of a
    test until it ends: Django's warning for each 404 or 403 holds its request, which over a
    walk of every page came to gigabytes and got the suite killed. Errors are still logged
    (a server error's traceback is what a failing example needs)."""
    if not getattr(request.function, "is_hypothesis_test", False):
        yield
        return
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
