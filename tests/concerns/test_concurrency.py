"""Concern services at the same moment: telling followers never deadlocks."""

import time

import pytest

from concerns import notices, services
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
    send = notices._send_to_follower

    def slow_send(*args, **kwargs):
        time.sleep(0.3)
        return send(*args, **kwargs)

    monkeypatch.setattr(notices, "_send_to_follower", slow_send)

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
