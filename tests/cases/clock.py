"""The agency's clock for tests of service levels: `timezone.now` set to noon of a day."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone


class Clock:
    """The agency's clock, set to noon of a day (America/New_York unless configured)."""

    def __init__(self):
        self.moment = timezone.now()

    def set(self, day: datetime.date) -> None:
        zone = zoneinfo.ZoneInfo(timezone.get_default_timezone_name())
        self.moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)

    def __call__(self):
        return self.moment


@pytest.fixture(name="clock")
def agency_clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock
