import pytest
from django.core.cache import cache, caches


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with empty caches, so rate limits and layout fragments rendered with
    another test's settings do not leak between tests."""
    cache.clear()
    caches["fragments"].clear()
    yield


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
