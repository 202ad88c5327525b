import threading

import pytest
from django.db import connections

from cases import services
from cases.exceptions import TransitionNotAllowed
from cases.models import Case, CaseEvent, CaseStatus
from tests.accounts.factories import StaffFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_two_clerks_deciding_at_once_are_applied_one_after_the_other():
    # given: a case in review and two clerks, one approving and one denying at the same moment
    resident = UserFactory()
    case = services.case_create(kind="test_permit", applicant=resident)
    first_clerk, second_clerk = StaffFactory(), StaffFactory()
    services.transition(case=case, to_status=CaseStatus.IN_REVIEW, actor=first_clerk)
    start = threading.Barrier(2)
    outcomes = {}

    def decide(clerk, to_status):
        try:
            start.wait()
            services.transition(case=Case.objects.get(pk=case.pk), to_status=to_status, actor=clerk)
            outcomes[to_status] = "done"
        except TransitionNotAllowed:
            outcomes[to_status] = "refused"
        finally:
            connections.close_all()

    # when
    threads = [
        threading.Thread(target=decide, args=(first_clerk, CaseStatus.APPROVED)),
        threading.Thread(target=decide, args=(second_clerk, CaseStatus.DENIED)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then: exactly one decision was applied, and the timeline agrees with the case
    assert sorted(outcomes.values()) == ["done", "refused"]
    winner = next(status for status, outcome in outcomes.items() if outcome == "done")
    case.refresh_from_db()
    assert case.status == winner
    decisions = CaseEvent.objects.filter(
        case=case, kind="status_changed", from_status=CaseStatus.IN_REVIEW
    )
    assert [e.to_status for e in decisions] == [winner]
