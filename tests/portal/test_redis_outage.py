"""Pages with the portal's Redis gone: the cache, sessions and rate limits fail soft.

Each test points the default cache at a redis-server of its own and breaks it (SIGSTOP or
SIGKILL), so the shared one is never touched.
"""

import time

import pytest
from django.urls import reverse

from tests.accounts.factories import DEFAULT_PASSWORD
from tests.faults.processes import embedded_redis


@pytest.fixture(params=["pause", "kill"])
def redis_down(request, settings, tmp_path):
    """The default cache on its own Redis; call the fixture's value to break it."""
    with embedded_redis(tmp_path / "redis") as server:
        settings.CACHES = {
            **settings.CACHES,
            "default": {**settings.CACHES["default"], "LOCATION": server.url},
        }

        def break_it():
            getattr(server, request.param)()

        yield break_it
        server.resume() if request.param == "pause" else None


def _outages_met(monkeypatch) -> list[Exception]:
    """Record each time the cache meets Redis down (it then skips Redis for a pause)."""
    from portal.cache import RedisCache

    met = []
    went_down = RedisCache._went_down

    def recording(self, error):
        met.append(error)
        went_down(self, error)

    monkeypatch.setattr(RedisCache, "_went_down", recording)
    return met


@pytest.mark.django_db
def test_a_signed_in_resident_stays_signed_in_and_pages_work(
    client, resident, redis_down, monkeypatch
):
    # given: signed in while Redis worked (the session is in the database and in Redis)
    client.force_login(resident)
    redis_down()
    met = _outages_met(monkeypatch)

    # when
    first = client.get(reverse("portal:dashboard"))
    met_by_first = len(met)
    second = client.get(reverse("portal:dashboard"))

    # then: no error, still signed in, and only the first page tries Redis and waits for it
    assert first.status_code == 200
    assert first.wsgi_request.user == resident
    assert second.status_code == 200
    assert met_by_first == 1
    assert len(met) == 1


@pytest.mark.django_db
def test_sign_in_works_with_the_rate_limits_unenforced(client, resident, redis_down):
    redis_down()

    response = client.post(
        reverse("account_login"), {"login": resident.email, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert response.wsgi_request.user == resident
    # and the session it started is in the database: the next page knows the resident
    assert client.get(reverse("portal:dashboard")).status_code == 200


@pytest.mark.django_db
def test_the_public_license_lookup_works(client, redis_down):
    redis_down()

    response = client.get(reverse("licensing:lookup"), {"q": "Smith"})

    assert response.status_code == 200


@pytest.mark.django_db
def test_signing_out_during_the_outage_holds_after_it(client, resident, settings, tmp_path):
    # given: a signed-in session cached in Redis
    with embedded_redis(tmp_path / "redis") as server:
        settings.CACHES = {
            **settings.CACHES,
            "default": {
                **settings.CACHES["default"],
                "LOCATION": server.url,
                "OPTIONS": {**settings.CACHES["default"]["OPTIONS"], "outage_pause_seconds": 0.1},
            },
        }
        client.force_login(resident)
        session_cookie = client.cookies["sessionid"].value
        server.pause()
        try:
            # when: the resident signs out while Redis does not answer
            client.post(reverse("account_logout"))
        finally:
            server.resume()
        time.sleep(0.15)
        client.cookies["sessionid"] = session_cookie

        # then: the old cookie does not sign anyone in once Redis is back
        response = client.get(reverse("portal:dashboard"))

    assert response.status_code == 302


@pytest.mark.django_db
def test_readyz_reports_redis_down_while_pages_work(client, redis_down):
    redis_down()

    ready = client.get("/readyz")
    home = client.get("/")

    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "ok", "redis": "unavailable"}
    assert home.status_code == 200
