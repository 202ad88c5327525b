import pytest
from django.core.cache import cache
from django.test import RequestFactory

from portal.ratelimit import allow, client_address


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_window_allows_the_limit_and_refuses_the_next():
    assert [allow("t:one", limit=3, window_seconds=60) for _ in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert allow("t:other", limit=3, window_seconds=60) is True


def test_a_limit_of_zero_counts_nothing():
    assert all(allow("t:off", limit=0, window_seconds=60) for _ in range(50))


def test_the_connections_address_counts_by_default():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert client_address(request) == "10.0.0.5"


def test_behind_a_trusted_proxy_the_visitors_address_counts(settings):
    # given: one proxy of ours appends the address it saw; the client wrote a fake first one
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9"
    )

    # then
    assert client_address(request) == "203.0.113.9"


def test_a_configured_client_address_header_is_used(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_REAL_IP="203.0.113.7")

    assert client_address(request) == "203.0.113.7"


def test_ipv6_visitors_count_by_their_network_not_each_address():
    # given: one household's /64 network hands its devices (or a script) any address in it
    one = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2::1")
    same_network = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:ffff:abcd:1234:5678")
    next_network = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:3::1")

    # then: the first two count as one visitor, the third as another
    assert client_address(one) == client_address(same_network) == "2001:db8:1:2::/64"
    assert client_address(next_network) == "2001:db8:1:3::/64"
