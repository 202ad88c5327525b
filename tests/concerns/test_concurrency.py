"""Concern services at the same moment: telling followers never deadlocks."""

import time
import uuid

import pytest

from cases import notices
from cases.models import SubmissionKey
from concerns import services
from concerns.models import ConcernReport
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.concerns.factories import make_report
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_reports_whose_reporters_follow_each_other_change_at_once(
    category, report_clerk, monkeypatch
):
    # given: Ann reported one problem and follows Ben's; Ben reported the other and follows
    # Ann's. Ben's report is closed.
    ann, ben = UserFactory(), UserFactory()
    anns = make_report(category=category, answers={"size": "small"}, reporter=ann)
    bens = make_report(category=category, answers={"size": "small"}, reporter=ben)
    services.report_follow(report=anns, user=ben)
    services.report_follow(report=bens, user=ann)
    services.report_close(report=bens, actor=report_clerk, reason="fixed", public_reason="Done.")
    # Each transaction pauses after the reporter's case changed and before the follower is
    # told: without the accounts locked first, each would hold one account and wait for the
    # other's.
    send = notices.participant_send

    def slow_send(*args, **kwargs):
        time.sleep(0.3)
        return send(*args, **kwargs)

    monkeypatch.setattr(notices, "participant_send", slow_send)

    def act(i: int) -> str:
        if i == 0:
            services.report_close(
                report=anns, actor=report_clerk, reason="fixed", public_reason="Filled in."
            )
        else:
            services.report_not_fixed(report=bens, reporter=ben, comment="Still there.")
        return "done"

    # when: the clerk closes Ann's report while Ben says his is not fixed
    outcomes = run_together(2, act)

    # then: both went through
    assert outcomes == ["done", "done"]
    anns.case.refresh_from_db()
    bens.case.refresh_from_db()
    assert (anns.case.status, bens.case.status) == ("closed", "reopened")


def test_a_follow_waits_for_a_change_in_progress_on_the_report(category, report_clerk, monkeypatch):
    # given: Ann's report, with the clerk starting work on it. The change pauses after it has
    # moved the case, before it reads the followers it will tell.
    ann, ben = UserFactory(), UserFactory()
    report = make_report(category=category, answers={"size": "small"}, reporter=ann)
    participants_told = notices.participants_told

    def slow_participants_told(*args, **kwargs):
        time.sleep(0.6)
        return participants_told(*args, **kwargs)

    monkeypatch.setattr(notices, "participants_told", slow_participants_told)
    finished = []

    def act(i: int) -> None:
        if i == 0:
            services.report_start_work(report=report, actor=report_clerk, public_note="On it.")
            finished.append("work started")
        else:
            time.sleep(0.2)
            services.report_follow(report=report, user=ben)
            finished.append("followed")

    # when: Ben follows the report in the middle of the change
    run_together(2, act)

    # then: his follow waited for the change (his row was written after the change's status
    # event, which comes 0.6 s after his follow began), and the change told only the people
    # who followed before it: not Ben. (The order the two threads finish in after the
    # commit is not fixed: the change still reads its case back.)
    assert sorted(finished) == ["followed", "work started"]
    started = report.case.events.get(kind="status_changed", to_status="in_progress")
    assert report.followers.get(user=ben).created_at > started.created_at
    assert not Notification.objects.filter(recipient=ben).exists()
    assert Notification.objects.filter(recipient=ann, channel="in_app").exists()


def test_the_same_form_sent_twice_at_once_makes_one_report(category):
    # given: one form's key, sent by two requests at the same instant (a double click)
    submission = uuid.uuid4()

    def act(i: int) -> int:
        report = services.report_submit(
            category=category,
            description="A deep pothole.",
            address="1 Main Street",
            answers={"size": "large"},
            guest_email="g@example.org",
            submission=submission,
        )
        return report.pk

    # when
    outcomes = run_together(2, act)

    # then: both sends answer with the one report made
    assert outcomes[0] == outcomes[1]
    assert ConcernReport.objects.count() == 1
    # and the key is claimed once, for the one report's case
    report = ConcernReport.objects.get()
    assert list(SubmissionKey.objects.values_list("key", "case_id")) == [
        (submission, report.case_id)
    ]
