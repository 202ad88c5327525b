"""Escalation of overdue cases (cases/escalations.py): the department's supervisors are told
once per case per stage, in-app and by e-mail as they prefer; the timeline records it.

TEST_PERMIT's stage targets: 5 business days for `submitted`, 10 for `in_review`; its
department is TEST_DEPT. Cases are sent on Monday 2 November 2026 (the `submitted` stage due
Monday 9 November) and the runs happen later, on the agency's clock.
"""

import datetime
import threading

import pytest
from django.db import connections

from cases import escalations, services, tasks
from cases.models import Case, CaseEvent, CaseStatus
from cases.service_levels import CaseStage
from notifications.models import Notification
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.clock import agency_clock  # noqa: F401 (the `clock` fixture)
from tests.cases.factories import DepartmentFactory

D = datetime.date
S = CaseStatus
SENT = D(2026, 11, 2)
LATE = D(2026, 11, 16)  # a week past the first stage's due date


@pytest.fixture
def department(db):
    return DepartmentFactory(code="TEST_DEPT", name="Test Department")


@pytest.fixture
def supervisor(department):
    return StaffFactory(roles=[("supervisor", department)], notify_by_email=True)


def _send(clock, day=SENT):
    clock.set(day)
    return services.case_create(kind="test_permit", applicant=UserFactory())


def _escalations(case):
    return list(CaseEvent.objects.filter(case=case, kind="escalated"))


def _told(person):
    return sorted(
        Notification.objects.filter(recipient=person, template_key="cases/escalated").values_list(
            "channel", "context__reference"
        )
    )


@pytest.mark.django_db
def test_an_overdue_case_is_told_to_its_departments_supervisors_once(clock, supervisor):
    # given: an overdue case, one on time, and a supervisor of another department
    late = _send(clock)
    on_time = _send(clock, LATE)
    elsewhere = StaffFactory(roles=[("supervisor", DepartmentFactory(code="PARKS"))])

    # when: the run, twice
    clock.set(LATE)
    first = escalations.escalations_run()
    second = escalations.escalations_run()

    # then: told once, by e-mail and in-app; the timeline records it for staff
    assert (first, second) == (1, 0)
    assert _told(supervisor) == [("email", late.reference), ("in_app", late.reference)]
    assert _told(elsewhere) == []
    [event] = _escalations(late)
    assert event.audience == CaseEvent.Audience.STAFF
    assert event.payload["due_date"] == "2026-11-09"
    assert str(supervisor) in event.text
    assert event.text.startswith("Overdue since")
    assert _escalations(on_time) == []
    assert CaseStage.objects.get(case=late).escalated_at == clock.moment


@pytest.mark.django_db
def test_supervisors_are_told_as_they_prefer(clock, department):
    # given: a supervisor who wants no e-mail
    quiet = StaffFactory(roles=[("supervisor", department)], notify_by_email=False)
    late = _send(clock)

    # when
    clock.set(LATE)
    escalations.escalations_run()

    # then
    assert _told(quiet) == [("in_app", late.reference)]


@pytest.mark.django_db
def test_without_a_department_supervisor_the_agency_wide_ones_are_told(clock, department):
    # given: only a supervisor across the agency (and a clerk of the department)
    chief = StaffFactory(roles=["supervisor"])
    StaffFactory(roles=[("clerk", department)])
    late = _send(clock)

    # when
    clock.set(LATE)
    escalations.escalations_run()

    # then
    assert [channel for channel, _ in _told(chief)] == ["email", "in_app"]
    assert len(_escalations(late)) == 1


@pytest.mark.django_db
def test_a_case_waiting_for_the_resident_is_not_escalated(clock, supervisor):
    # given: a case in review since 2 November (due 16 November) asked for more on the 3rd
    clerk = StaffFactory()
    case = _send(clock)
    services.transition(case=case, to_status=S.IN_REVIEW, actor=clerk)
    clock.set(D(2026, 11, 3))
    services.transition(case=case, to_status=S.AWAITING_INFO, actor=clerk)

    # when: weeks later, still waiting
    clock.set(D(2026, 12, 14))
    assert escalations.escalations_run() == 0

    # then: nobody is told; once it is back, its due date moved by the days it waited
    assert _escalations(case) == [] and _told(supervisor) == []
    services.transition(case=case, to_status=S.IN_REVIEW, actor=case.applicant)
    case.refresh_from_db()
    assert case.stage_due_date > D(2026, 12, 14)
    assert escalations.escalations_run() == 0


@pytest.mark.django_db
def test_each_late_stage_is_escalated_once(clock, supervisor):
    # given: escalated while received, then taken into review late and left there
    clerk = StaffFactory()
    case = _send(clock)
    clock.set(LATE)
    escalations.escalations_run()
    services.transition(case=case, to_status=S.IN_REVIEW, actor=clerk)

    # when: the review stage (10 business days from 16 November) runs late too
    clock.set(D(2026, 12, 7))
    escalations.escalations_run()
    escalations.escalations_run()

    # then: one escalation per stage
    assert [event.payload["status"] for event in _escalations(case)] == [
        S.SUBMITTED,
        S.IN_REVIEW,
    ]
    assert len(_told(supervisor)) == 4  # two stages, e-mail and in-app


@pytest.mark.django_db
def test_a_run_that_dies_midway_leaves_nothing_half_done(clock, supervisor, monkeypatch):
    # given: three overdue cases, and a run whose worker dies at the second one
    cases = [_send(clock) for _ in range(3)]
    clock.set(LATE)
    real_notify, calls = escalations._notify, []

    def dying(case, **kwargs):
        calls.append(case.pk)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        real_notify(case, **kwargs)

    monkeypatch.setattr(escalations, "_notify", dying)
    with pytest.raises(SystemExit):
        escalations.escalations_run()

    # then: nothing of the batch was kept
    assert not CaseStage.objects.filter(escalated_at__isnull=False).exists()
    assert not CaseEvent.objects.filter(kind="escalated").exists()
    assert _told(supervisor) == []

    # when: the next run
    monkeypatch.setattr(escalations, "_notify", real_notify)
    assert escalations.escalations_run() == 3

    # then: each case escalated once
    assert [len(_escalations(case)) for case in cases] == [1, 1, 1]


@pytest.mark.django_db
def test_batches_continue_until_every_overdue_case_is_done(clock, supervisor):
    cases = [_send(clock) for _ in range(5)]
    clock.set(LATE)

    assert escalations.escalations_run(batch_size=2) == 5
    assert all(len(_escalations(case)) == 1 for case in cases)


@pytest.mark.django_db
def test_the_beat_task_runs_the_escalation(clock, supervisor):
    late = _send(clock)
    clock.set(LATE)

    assert tasks.escalate_overdue.apply().get() == 1
    assert len(_escalations(late)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_escalate_each_case_once(clock):
    # given: twenty overdue cases and two workers starting the run at the same moment
    department = DepartmentFactory(code="TEST_DEPT", name="Test Department")
    supervisor = StaffFactory(roles=[("supervisor", department)], notify_by_email=True)
    cases = [_send(clock) for _ in range(20)]
    clock.set(LATE)
    start = threading.Barrier(2)
    counts, errors = [], []

    def run():
        try:
            start.wait()
            counts.append(escalations.escalations_run(batch_size=3))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: between them every case was escalated, none twice
    assert errors == []
    assert sum(counts) == 20
    assert sorted(
        CaseEvent.objects.filter(kind="escalated").values_list("case_id", flat=True)
    ) == sorted(case.pk for case in cases)
    assert (
        Notification.objects.filter(recipient=supervisor, template_key="cases/escalated").count()
        == 40
    )
    assert Case.objects.filter(stages__escalated_at__isnull=False).distinct().count() == 20
