import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty Redis cache, so rate limits do not leak between tests."""
    cache.clear()
    yield
