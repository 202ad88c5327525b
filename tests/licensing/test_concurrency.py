"""Licensing services at the same moment as the reminder job: neither deadlocks the other."""

import datetime
import time

import pytest

from licensing import services
from licensing.fees import agency_today
from licensing.models import Application, LicenseEvent
from licensing.services import renewals
from notifications.models import Notification
from tests.concurrency import run_together
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_renewal_started_while_the_reminder_job_runs_does_not_deadlock(monkeypatch):
    # given: a license 30 days from expiry, inside its renewal window and due a reminder
    license_type = LicenseTypeFactory(reminder_offsets=[30], renewal_window_days=90)
    today = agency_today()
    license = LicenseFactory(
        license_type=license_type, expires_on=today + datetime.timedelta(days=30)
    )
    # The renewal pauses after it has locked the license and before it opens the holder's
    # case. Meanwhile the job writes the holder's messages (taking their account row) and
    # the license's timeline, whose reference to the license is checked at commit. Had the
    # renewal locked the license against that check, each would wait for the other.
    fee = renewals.renewal_fee

    def slow_fee(*args, **kwargs):
        time.sleep(0.6)
        return fee(*args, **kwargs)

    monkeypatch.setattr(renewals, "renewal_fee", slow_fee)

    def act(i: int) -> str:
        if i == 0:
            services.renewal_start(license=license, actor=license.holder)
        else:
            time.sleep(0.2)
            services.reminders_queue(today=today)
        return "done"

    # when: the holder starts the renewal as the job runs
    outcomes = run_together(2, act)

    # then: both went through
    assert outcomes == ["done", "done"]
    assert Application.objects.filter(renews=license).count() == 1
    assert LicenseEvent.objects.filter(license=license, kind="reminder").count() == 1
    assert Notification.objects.filter(recipient=license.holder, channel="in_app").count() == 1
