"""The demo's wards hold what the demo shows: every demo report and facility is in one."""

import pytest
from django.db import connection

from accounts import demo as accounts_demo
from bookings import demo as bookings_demo
from cases import demo as cases_demo
from cases.areas.models import Area
from cases.models import Case
from concerns import demo as concerns_demo
from concerns.workflow import KIND

pytestmark = pytest.mark.django_db


def test_the_demo_wards_hold_every_demo_report_and_facility(django_capture_on_commit_callbacks):
    accounts_demo.seed()
    cases_demo.seed()
    cases_demo.seed()  # again: nothing more
    with django_capture_on_commit_callbacks(execute=True):
        concerns_demo.seed()

    assert Area.objects.count() == 3
    reports = Case.objects.filter(kind=KIND)
    assert reports.exists()
    assert not reports.filter(area__isnull=True).exists()
    assert set(reports.values_list("area__code", flat=True)) == {"ward-1", "ward-2", "ward-3"}
    with connection.cursor() as cursor:
        for row in bookings_demo.FACILITIES:
            cursor.execute("SELECT cases_area_at(%s, %s, '')", [row["latitude"], row["longitude"]])
            assert cursor.fetchone()[0] is not None, row["code"]
