from django.core.cache import cache


def test_the_redis_cache_reuses_one_client_per_connection_pool():
    # given
    backend = cache._cache

    # when
    first = backend.get_client("a")
    second = backend.get_client("b", write=True)

    # then: one server, one pool, one client
    assert first is second
    assert first.connection_pool is backend._get_connection_pool(write=False)


def test_the_redis_cache_stores_and_reads_back_through_the_shared_client():
    # when
    cache.set("portal-cache-test", {"n": 1}, 30)

    # then
    assert cache.get("portal-cache-test") == {"n": 1}
    assert cache.get_many(["portal-cache-test", "missing"]) == {"portal-cache-test": {"n": 1}}
    cache.delete("portal-cache-test")
    assert cache.get("portal-cache-test") is None
