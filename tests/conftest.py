import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.utils import translation


@pytest.fixture(autouse=True, scope="session")
def _case_declarations(django_db_setup, django_db_blocker):
    """The test database accepts the statuses and events of every workflow, the test
    workflows included (a reused database has not been migrated in this session)."""
    from cases.declarations import declarations_sync
    from cases.workflow import registered_workflows
    from tests.cases.workflows import TEST_WORKFLOWS

    with django_db_blocker.unblock():
        workflows = {workflow.kind: workflow for workflow in registered_workflows()}
        workflows.update({workflow.kind: workflow for workflow in TEST_WORKFLOWS})
        declarations_sync(workflows=workflows.values())


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
