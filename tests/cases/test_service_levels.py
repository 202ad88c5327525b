"""Service levels (cases/service_levels.py, cases/checks.py): business days with the agency's
holidays, and workflows that name departments the agency has."""

import datetime

import pytest

from cases.checks import holidays_settings_check, workflow_departments_check
from cases.service_levels import Holiday, business_days_add, business_days_between
from tests.cases.factories import DepartmentFactory
from tests.cases.workflows import TEST_PERMIT, TEST_REPORT

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def _agency_in_california(settings):
    settings.AGENCY_HOLIDAYS_COUNTRY = "US"
    settings.AGENCY_HOLIDAYS_SUBDIVISION = "CA"


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (D(2026, 12, 2), 0, D(2026, 12, 2)),  # Wednesday, no target
        (D(2026, 12, 2), 2, D(2026, 12, 4)),  # Wednesday + 2 = Friday
        (D(2026, 12, 4), 1, D(2026, 12, 7)),  # Friday + 1 skips the weekend
        (D(2026, 12, 23), 2, D(2026, 12, 28)),  # skips Christmas Day and the weekend
        (D(2026, 11, 24), 3, D(2026, 12, 1)),  # skips Thanksgiving, the day after (CA), weekend
        (D(2026, 12, 31), 1, D(2027, 1, 4)),  # across the year: New Year's Day, weekend
    ],
)
def test_business_days_skip_weekends_and_public_holidays(start, days, due):
    assert business_days_add(start=start, days=days) == due


def test_the_administrators_holidays_count_too():
    # given: the agency closes on Monday 7 December for a storm
    Holiday.objects.create(date=D(2026, 12, 7), name="Storm closure")

    # then
    assert business_days_add(start=D(2026, 12, 4), days=1) == D(2026, 12, 8)
    assert business_days_between(start=D(2026, 12, 4), end=D(2026, 12, 8)) == 1


def test_business_days_between_counts_what_add_adds():
    start = D(2026, 11, 20)
    for days in range(0, 40):
        assert (
            business_days_between(start=start, end=business_days_add(start=start, days=days))
            == days
        )


def test_a_negative_target_is_a_mistake():
    with pytest.raises(ValueError):
        business_days_add(start=D(2026, 12, 2), days=-1)


def _errors_for(kinds) -> list[tuple[str, str]]:
    return [
        (e.id, e.obj) for e in workflow_departments_check(databases=["default"]) if e.obj in kinds
    ]


def test_a_workflow_naming_a_department_the_agency_lacks_is_an_error():
    # given: TEST_PERMIT and TEST_REVIEWED name TEST_DEPT, which does not exist; TEST_REPORT
    # names none
    kinds = {TEST_PERMIT.kind, TEST_REPORT.kind, "test_reviewed"}

    # then
    assert _errors_for(kinds) == [("cases.E002", TEST_PERMIT.kind), ("cases.E002", "test_reviewed")]
    messages = [e.msg for e in workflow_departments_check(databases=["default"])]
    assert any("'TEST_DEPT', which does not exist" in message for message in messages)


def test_no_error_once_the_department_exists():
    DepartmentFactory(code="TEST_DEPT")

    assert _errors_for({TEST_PERMIT.kind, "test_reviewed"}) == []


def test_the_department_check_runs_only_with_the_database_checks():
    assert workflow_departments_check(databases=None) == []


@pytest.mark.parametrize(
    ("country", "subdivision"), [("XX", ""), ("US", "ZZ")], ids=["country", "subdivision"]
)
def test_an_unknown_holiday_calendar_is_an_error(settings, country, subdivision):
    settings.AGENCY_HOLIDAYS_COUNTRY = country
    settings.AGENCY_HOLIDAYS_SUBDIVISION = subdivision

    assert [e.id for e in holidays_settings_check()] == ["cases.E003"]


def test_the_configured_calendar_passes():
    assert holidays_settings_check() == []
