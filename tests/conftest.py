import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty Redis cache, so rate limits do not leak between tests."""
    cache.clear()
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
