"""Whose case figures each reader sees: their departments' unless they may read them all,
enforced by the selectors whatever department a request names."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from portal.analytics import selectors
from portal.analytics.models import BacklogAge, CloseDuration
from portal.analytics.refresh import summaries_refresh
from tests.accounts.factories import StaffFactory
from tests.analytics.conftest import local
from tests.cases.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def _this_monday_at(hour: int) -> datetime.datetime:
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    return local(monday.year, monday.month, monday.day, hour)


@pytest.fixture
def roads():
    return DepartmentFactory(code="ROADS", name="Roads")


@pytest.fixture
def gardens():
    return DepartmentFactory(code="GARDENS", name="Gardens")


@pytest.fixture
def two_departments(make_case, roads, gardens):
    """This week: Roads closes one case on time in 0 days and keeps one open; Gardens closes
    two late, in 2 days, and keeps three open."""
    monday = _this_monday_at(9)
    make_case(submitted=monday, closed=monday, due=monday.date(), department=roads)
    make_case(submitted=monday, department=roads)
    for _ in range(2):
        make_case(
            submitted=monday - datetime.timedelta(days=2),
            closed=monday,
            due=monday.date() - datetime.timedelta(days=1),
            department=gardens,
        )
    for _ in range(3):
        make_case(submitted=monday, department=gardens)
    summaries_refresh()
    return monday


def _flow_totals(figures) -> tuple[int, int]:
    return sum(row[2] for row in figures.rows), sum(row[3] for row in figures.rows)


def test_the_durations_and_the_backlog_keep_departments_apart(two_departments, roads, gardens):
    assert sorted(CloseDuration.objects.values_list("department", "days", "cases")) == sorted(
        [(roads.pk, 0, 1), (gardens.pk, 2, 2)]
    )
    assert sorted(BacklogAge.objects.values_list("department", "band", "cases")) == sorted(
        [(roads.pk, 0, 1), (gardens.pk, 0, 3)]
    )


def test_a_department_supervisor_reads_their_department_only(two_departments, roads):
    # given
    supervisor = StaffFactory(roles=[("supervisor", roads)])

    # when
    scope = selectors.analytics_scope(user=supervisor)

    # then: every case chart counts Roads' cases, none of Gardens'
    assert scope.department is None and scope.departments == frozenset({roads.pk})
    assert _flow_totals(selectors.case_flow(weeks=4, scope=scope)) == (2, 1)
    assert selectors.on_time_by_department(weeks=4, scope=scope).rows == [["Roads", 1, 1, 100.0]]
    assert selectors.time_to_decision(weeks=4, scope=scope).rows == [["Test permit", 1, 0]]
    assert selectors.backlog(scope=scope).rows == [["Test permit", 1, 0, 0, 0, 1]]
    # and no filter to offer with one department
    assert [department.name for department in scope.choices] == ["Roads"]


@pytest.mark.parametrize("who", ["agency supervisor", "superuser"])
def test_an_agency_wide_reader_sees_every_department_or_chooses_one(
    two_departments, roads, gardens, who
):
    reader = (
        StaffFactory(roles=[("supervisor", None)])
        if who == "agency supervisor"
        else StaffFactory(roles=[], is_superuser=True)
    )

    everything = selectors.analytics_scope(user=reader)
    only_gardens = selectors.analytics_scope(user=reader, department=str(gardens.pk))

    assert everything.departments is None
    assert _flow_totals(selectors.case_flow(weeks=4, scope=everything)) == (7, 3)
    assert [row[0] for row in selectors.on_time_by_department(weeks=4, scope=everything).rows] == [
        "Gardens",
        "Roads",
    ]
    names = [department.name for department in everything.choices]
    assert {"Gardens", "Roads"} <= set(names) and names == sorted(names)
    assert only_gardens.department == gardens
    assert _flow_totals(selectors.case_flow(weeks=4, scope=only_gardens)) == (5, 2)
    assert selectors.time_to_decision(weeks=4, scope=only_gardens).rows == [["Test permit", 2, 2]]
    assert selectors.backlog(scope=only_gardens).rows == [["Test permit", 3, 0, 0, 0, 3]]


def test_a_supervisor_of_two_departments_sees_both_and_may_choose_either(
    two_departments, roads, gardens
):
    libraries = DepartmentFactory(code="LIBRARIES", name="Libraries")
    supervisor = StaffFactory(roles=[("supervisor", roads), ("supervisor", libraries)])

    both = selectors.analytics_scope(user=supervisor)
    only_roads = selectors.analytics_scope(user=supervisor, department=roads.pk)

    assert both.departments == frozenset({roads.pk, libraries.pk})
    assert [department.name for department in both.choices] == ["Libraries", "Roads"]
    assert _flow_totals(selectors.case_flow(weeks=4, scope=only_roads)) == (2, 1)


@pytest.mark.parametrize("asked", ["gardens", "unknown", "abc"])
def test_a_department_supervisor_who_names_another_department_is_refused(
    two_departments, roads, gardens, asked
):
    # given: a Roads supervisor who edits the department in the address
    supervisor = StaffFactory(roles=[("supervisor", roads)])
    department = {"gardens": str(gardens.pk), "unknown": "999999", "abc": "abc"}[asked]

    # when / then: refused, never Gardens' figures
    with pytest.raises(PermissionDenied, match="You may not read the figures of that department"):
        selectors.analytics_scope(user=supervisor, department=department)


def test_a_supervisor_who_is_also_a_clerk_elsewhere_reads_the_supervised_department_only(
    two_departments, roads, gardens
):
    supervisor = StaffFactory(roles=[("supervisor", roads), ("clerk", gardens)])

    assert selectors.analytics_scope(user=supervisor).departments == frozenset({roads.pk})
    with pytest.raises(PermissionDenied):
        selectors.analytics_scope(user=supervisor, department=gardens.pk)


@pytest.mark.parametrize("roles", [["clerk"], ["cashier"], []])
def test_staff_who_may_not_read_the_analytics_get_no_scope(roles):
    with pytest.raises(PermissionDenied):
        selectors.analytics_scope(user=StaffFactory(roles=roles))


def test_money_and_messages_say_they_are_every_department(roads):
    scope = selectors.analytics_scope(user=StaffFactory(roles=[("supervisor", roads)]))

    charts = {chart.key: chart for chart in selectors.dashboard(weeks=4, scope=scope)}

    for key in ("revenue", "gateway-events", "messages"):
        assert charts[key].scope_note.startswith("All departments"), key
    for key in ("cases", "service-level", "time-to-decision", "backlog"):
        assert charts[key].scope_note == "", key
