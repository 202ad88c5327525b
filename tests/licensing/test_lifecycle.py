import datetime

import pytest
from django.conf import settings

from licensing import services
from licensing.fees import agency_today
from licensing.models import License, LicenseEvent
from licensing.tasks import expire_licenses
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory

D = datetime.date
EXPIRY = D(2027, 3, 1)


@pytest.fixture
def license_type(db):
    return LicenseTypeFactory(grace_days=30)


def _status(license: License) -> str:
    license.refresh_from_db()
    return license.status


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (D(2027, 2, 28), "active"),  # the eve of expiry
        (D(2027, 3, 1), "expired"),  # expired on the day
        (D(2027, 3, 31), "expired"),  # last day of the 30-day grace period
        (D(2027, 4, 1), "lapsed"),  # the day after grace: lapsed, even if never run before
    ],
)
def test_expiry_and_lapse_at_day_boundaries(license_type, today, status):
    # given
    license = LicenseFactory(license_type=license_type, expires_on=EXPIRY)

    # when
    services.licenses_expire(today=today)

    # then
    assert _status(license) == status


@pytest.mark.parametrize(
    ("instant", "status"),
    [
        # 23:59 on 28 February in New York is already 1 March in UTC: still active.
        (datetime.datetime(2027, 3, 1, 4, 59, tzinfo=datetime.UTC), "active"),
        # Midnight in New York: expired.
        (datetime.datetime(2027, 3, 1, 5, 0, tzinfo=datetime.UTC), "expired"),
    ],
)
def test_the_day_is_the_agency_s_not_utc(license_type, instant, status):
    # given
    assert settings.TIME_ZONE == "America/New_York"
    license = LicenseFactory(license_type=license_type, expires_on=EXPIRY)

    # when
    services.licenses_expire(today=agency_today(instant))

    # then
    assert _status(license) == status


def test_a_second_run_changes_nothing(license_type):
    # given: one to expire, one to lapse, one still valid
    to_expire = LicenseFactory(license_type=license_type, expires_on=D(2027, 3, 1))
    to_lapse = LicenseFactory(license_type=license_type, expires_on=D(2027, 1, 1), status="expired")
    valid = LicenseFactory(license_type=license_type, expires_on=D(2027, 6, 1))
    today = D(2027, 3, 2)

    # when
    first = services.licenses_expire(today=today)
    second = services.licenses_expire(today=today)

    # then
    assert (first.expired, first.lapsed) == (1, 1)
    assert (second.expired, second.lapsed) == (0, 0)
    assert [_status(to_expire), _status(to_lapse), _status(valid)] == [
        "expired",
        "lapsed",
        "active",
    ]
    assert sorted(LicenseEvent.objects.values_list("license_id", "kind", "expires_on")) == sorted(
        [
            (to_expire.pk, "expired", D(2027, 3, 1)),
            (to_lapse.pk, "lapsed", D(2027, 1, 1)),
        ]
    )


def test_suspended_and_revoked_licenses_are_left_alone(license_type):
    suspended = LicenseFactory(license_type=license_type, expires_on=EXPIRY, status="suspended")
    revoked = LicenseFactory(license_type=license_type, expires_on=EXPIRY, status="revoked")

    services.licenses_expire(today=D(2028, 1, 1))

    assert [_status(suspended), _status(revoked)] == ["suspended", "revoked"]


def test_grace_period_is_the_type_s_own(db):
    # given: same expiry, grace periods of 0 and 60 days
    no_grace = LicenseFactory(
        license_type=LicenseTypeFactory(grace_days=0), expires_on=EXPIRY, status="expired"
    )
    long_grace = LicenseFactory(
        license_type=LicenseTypeFactory(grace_days=60), expires_on=EXPIRY, status="expired"
    )

    # when: the day after expiry
    services.licenses_expire(today=D(2027, 3, 2))

    # then
    assert [_status(no_grace), _status(long_grace)] == ["lapsed", "expired"]


def test_the_daily_task_runs_the_job_for_today(license_type):
    # given
    yesterday = agency_today() - datetime.timedelta(days=1)
    license = LicenseFactory(license_type=license_type, expires_on=yesterday)

    # when
    result = expire_licenses.apply().get()

    # then
    assert result == {"expired": 1, "lapsed": 0}
    assert _status(license) == "expired"
    assert settings.CELERY_BEAT_SCHEDULE["licensing-expire-licenses"]["task"] == (
        "licensing.expire_licenses"
    )


def test_staff_see_the_license_history_in_the_back_office(license_type, client, licensing_clerk):
    # given: a license that expired, reminded before
    from django.urls import reverse

    license = LicenseFactory(license_type=license_type, expires_on=EXPIRY)
    services.licenses_expire(today=D(2027, 3, 2))
    client.force_login(licensing_clerk)

    # when
    page = client.get(reverse("admin:licensing_license_change", args=[license.pk]))

    # then
    assert page.status_code == 200
    body = page.content.decode()
    assert "History of this license" in body
    assert "Expired" in body
