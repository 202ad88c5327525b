"""Service-level clocks (cases/service_levels.py): a due date per stage and for the whole case
in business days, paused while the case waits for the resident, and one overdue condition.

The clock is the agency's: `timezone.now` is moved by the `clock` fixture, so a case is sent,
paused and resumed on the days each test names (America/New_York, noon). TEST_PERMIT's
targets: 30 business days for the whole case, 5 for `submitted`, 10 for `in_review`, 3 for
`reopened`; `awaiting_info` waits for the resident.
"""

import datetime

import pytest
from django.db.models import Q
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from cases import services
from cases.models import Case, CaseStatus
from cases.selectors import overdue_filter
from cases.service_levels import (
    Holiday,
    ServiceLevel,
    business_days_add,
    business_days_between,
    holiday_add,
    service_levels_attach,
)
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.clock import agency_clock  # noqa: F401 (the `clock` fixture)
from tests.hostile import fuzz

pytestmark = pytest.mark.django_db

D = datetime.date
S = CaseStatus


@pytest.fixture(autouse=True)
def _agency_in_california(settings):
    settings.AGENCY_HOLIDAYS_COUNTRY = "US"
    settings.AGENCY_HOLIDAYS_SUBDIVISION = "CA"


@pytest.fixture
def clerk(db):
    return StaffFactory()


def _send(clock, day, applicant=None):
    clock.set(day)
    return services.case_create(kind="test_permit", applicant=applicant or UserFactory())


def _move(clock, day, case, to_status, actor):
    clock.set(day)
    services.transition(case=case, to_status=to_status, actor=actor)
    case.refresh_from_db()
    return case


def _stages(case):
    return list(case.stages.values_list("number", "status", "due_date", "paused_days", "ended_at"))


def test_sending_starts_the_whole_case_and_its_first_stage_in_business_days(clock):
    # when: sent on Wednesday 2 December 2026
    case = _send(clock, D(2026, 12, 2))

    # then: 5 business days for the stage (Wednesday 9th), 30 for the whole case (past
    # Christmas Day and New Year's Day)
    case.refresh_from_db()
    assert case.stage_due_date == D(2026, 12, 9)
    assert case.due_date == business_days_add(start=D(2026, 12, 2), days=30) == D(2027, 1, 15)
    assert _stages(case) == [(1, S.SUBMITTED, D(2026, 12, 9), 0, None)]
    assert case.stages.get().started_at == clock.moment


def test_each_stage_has_its_own_target_and_the_whole_case_keeps_its_own(clock, clerk):
    case = _send(clock, D(2026, 12, 2))

    # when: the review starts on Friday 4 December
    case = _move(clock, D(2026, 12, 4), case, S.IN_REVIEW, clerk)

    # then: 10 business days from Friday; the first stage ended
    assert case.stage_due_date == D(2026, 12, 18)
    assert case.due_date == D(2027, 1, 15)
    assert [(n, status, due, ended is not None) for n, status, due, _, ended in _stages(case)] == [
        (1, S.SUBMITTED, D(2026, 12, 9), True),
        (2, S.IN_REVIEW, D(2026, 12, 18), False),
    ]


def test_waiting_for_the_resident_pauses_and_resuming_pushes_both_due_dates(clock, clerk):
    # given: in review from Monday 30 November (due Monday 14 December)
    resident = UserFactory()
    case = _send(clock, D(2026, 11, 30), resident)
    case = _move(clock, D(2026, 11, 30), case, S.IN_REVIEW, clerk)
    assert case.stage_due_date == D(2026, 12, 14)
    whole = case.due_date

    # when: the clerk asks the resident on Thursday 3 December; they answer on Tuesday 8th
    case = _move(clock, D(2026, 12, 3), case, S.AWAITING_INFO, clerk)
    assert case.paused_at == clock.moment
    case = _move(clock, D(2026, 12, 8), case, S.IN_REVIEW, resident)

    # then: the case waited Friday, Monday and Tuesday (3 business days; not the weekend):
    # the same stage goes on, due 3 business days later, and so is the whole case
    assert case.paused_at is None
    assert case.stage_due_date == D(2026, 12, 17)
    assert case.due_date == business_days_add(start=whole, days=3)
    assert _stages(case)[-1][:4] == (2, S.IN_REVIEW, D(2026, 12, 17), 3)


def test_a_pause_over_christmas_counts_no_holiday(clock, clerk):
    # given: in review from Monday 14 December (due Tuesday 29 December, past Christmas Day)
    resident = UserFactory()
    case = _send(clock, D(2026, 12, 14), resident)
    case = _move(clock, D(2026, 12, 14), case, S.IN_REVIEW, clerk)
    assert case.stage_due_date == D(2026, 12, 29)  # 10 business days skip Friday the 25th

    # when: waiting from Wednesday 23 December to Monday 4 January
    case = _move(clock, D(2026, 12, 23), case, S.AWAITING_INFO, clerk)
    case = _move(clock, D(2027, 1, 4), case, S.IN_REVIEW, resident)

    # then: 24, 28, 29, 30, 31 December and 4 January waited (not Christmas Day nor New
    # Year's Day, nor the weekends): 6 business days
    assert case.stages.get(ended_at__isnull=True).paused_days == 6
    assert case.stage_due_date == business_days_add(start=D(2026, 12, 29), days=6)
    assert case.stage_due_date == D(2027, 1, 7)


def test_a_final_status_ends_the_stage_and_the_pause(clock, clerk):
    resident = UserFactory()
    case = _send(clock, D(2026, 12, 1), resident)
    case = _move(clock, D(2026, 12, 1), case, S.IN_REVIEW, clerk)
    case = _move(clock, D(2026, 12, 3), case, S.APPROVED, clerk)

    assert (case.stage_due_date, case.paused_at) == (None, None)
    assert all(ended is not None for *_, ended in _stages(case))
    assert case.service_level == ServiceLevel(None, None, paused=False, overdue=False)


def test_reopening_starts_the_whole_case_again(clock, clerk):
    # given: denied on 3 December, reopened on 10 December
    case = _send(clock, D(2026, 12, 1))
    case = _move(clock, D(2026, 12, 1), case, S.IN_REVIEW, clerk)
    case = _move(clock, D(2026, 12, 3), case, S.DENIED, clerk)
    case = _move(clock, D(2026, 12, 10), case, S.REOPENED, clerk)

    # then: a third stage with the reopened target, and 30 business days for the whole case
    assert case.stage_due_date == D(2026, 12, 15)
    assert case.due_date == business_days_add(start=D(2026, 12, 10), days=30)
    assert [row[:2] for row in _stages(case)] == [
        (1, S.SUBMITTED),
        (2, S.IN_REVIEW),
        (3, S.REOPENED),
    ]


@fuzz(30)
@given(
    sent=st.dates(min_value=D(2026, 11, 1), max_value=D(2027, 1, 20)),
    review_after=st.integers(min_value=0, max_value=6),
    ask_after=st.integers(min_value=0, max_value=20),
    waited=st.integers(min_value=0, max_value=25),
)
def test_pausing_never_costs_staff_time_across_weekends_and_holidays(
    clock, clerk, administrator_holidays, sent, review_after, ask_after, waited
):
    # given: a case sent, taken into review, sent to the resident and answered, on any days
    resident = UserFactory()
    reviewed = sent + datetime.timedelta(days=review_after)
    asked = reviewed + datetime.timedelta(days=ask_after)
    answered = asked + datetime.timedelta(days=waited)
    case = _send(clock, sent, resident)
    case = _move(clock, reviewed, case, S.IN_REVIEW, clerk)
    whole_before, stage_before = case.due_date, case.stage_due_date
    case = _move(clock, asked, case, S.AWAITING_INFO, clerk)

    # then: waiting, it is overdue for nobody, whatever the day
    clock.set(answered)
    assert not Case.objects.filter(overdue_filter(), pk=case.pk).exists()
    assert not case.is_overdue

    # when: the resident answers
    case = _move(clock, answered, case, S.IN_REVIEW, resident)

    # then: both due dates moved by exactly the business days waited, and the stage's due
    # date is the stage's target plus those days, counted in business days from its start
    paused = business_days_between(start=asked, end=answered)
    assert case.stages.get(ended_at__isnull=True).paused_days == paused
    assert case.stage_due_date == business_days_add(start=stage_before, days=paused)
    assert case.due_date == business_days_add(start=whole_before, days=paused)
    assert business_days_between(start=reviewed, end=case.stage_due_date) == 10 + paused
    assert business_days_between(start=sent, end=case.due_date) == 30 + paused
    # a due date is a day the agency is open
    for due in (case.stage_due_date, case.due_date):
        assert due.weekday() < 5 and due not in administrator_holidays
        assert not Holiday.objects.filter(date=due).exists()


@pytest.fixture
def administrator_holidays(db):
    days = [D(2026, 11, 16), D(2026, 12, 24), D(2027, 1, 11)]
    for day in days:
        Holiday.objects.create(date=day, name="Closure")
    return set(days)


def test_an_administrator_added_holiday_moves_the_due_dates_it_falls_before(clock, clerk):
    # given: a case in review from Monday 30 November (stage due 14 December), one sent on
    # Tuesday 8 December, one closed, one sent after the closure
    running = _move(clock, D(2026, 11, 30), _send(clock, D(2026, 11, 30)), S.IN_REVIEW, clerk)
    later = _send(clock, D(2026, 12, 8))
    closed = _send(clock, D(2026, 12, 1))
    closed = _move(clock, D(2026, 12, 1), closed, S.WITHDRAWN, closed.applicant)
    clock.set(D(2026, 12, 2))
    after = _send(clock, D(2026, 12, 10))
    before = {
        case.pk: (case.due_date, case.stage_due_date)
        for case in Case.objects.filter(pk__in=[running.pk, later.pk, closed.pk, after.pk])
    }

    # when: the administrator closes the agency on Wednesday 9 December (a storm)
    clock.set(D(2026, 12, 8))
    holiday_add(date=D(2026, 12, 9), name="Storm closure")

    # then: the running cases lose a business day; a case sent after the closure and a
    # closed case do not move
    running.refresh_from_db()
    later.refresh_from_db()
    assert running.stage_due_date == D(2026, 12, 15)
    assert running.stages.get(ended_at__isnull=True).due_date == D(2026, 12, 15)
    assert running.due_date == business_days_add(start=D(2026, 11, 30), days=30)
    assert (later.stage_due_date, later.due_date) == (
        D(2026, 12, 16),
        business_days_add(start=D(2026, 12, 8), days=30),
    )
    assert later.stage_due_date != before[later.pk][1]
    assert (
        Case.objects.values_list("due_date", "stage_due_date").get(pk=after.pk) == before[after.pk]
    )
    assert (
        Case.objects.values_list("due_date", "stage_due_date").get(pk=closed.pk)
        == before[closed.pk]
    )


def test_a_holiday_the_administrator_added_sets_the_due_date_of_a_new_case(clock):
    # given: the agency closes on Monday 7 December
    Holiday.objects.create(date=D(2026, 12, 7), name="Storm closure")

    # when: a case is sent on Wednesday 2 December
    case = _send(clock, D(2026, 12, 2))

    # then: its first stage is due a day later than it would have been
    assert case.stage_due_date == D(2026, 12, 10)


@pytest.mark.parametrize(
    ("fields", "overdue"),
    [
        ({"stage_due_date": D(2026, 12, 4)}, True),  # the stage is late
        ({"due_date": D(2026, 12, 4)}, True),  # the whole case is late
        ({"stage_due_date": D(2026, 12, 7)}, False),  # due today
        ({"stage_due_date": D(2026, 12, 4), "paused": True}, False),  # waiting for them
        ({"stage_due_date": D(2026, 12, 4), "closed": True}, False),  # closed
        ({"stage_due_date": None, "due_date": None}, False),  # no target
    ],
)
def test_one_overdue_definition_in_sql_and_in_python(clock, fields, overdue):
    # given: today is Monday 7 December
    case = _send(clock, D(2026, 11, 2))
    clock.set(D(2026, 12, 7))
    values = {"due_date": D(2026, 12, 31), "stage_due_date": D(2026, 12, 31)}
    values.update({k: v for k, v in fields.items() if k.endswith("date")})
    if fields.get("paused"):
        values["paused_at"] = clock.moment
    if fields.get("closed"):
        values["closed_at"] = clock.moment
    Case.objects.filter(pk=case.pk).update(**values)
    case.refresh_from_db()

    # then
    assert Case.objects.filter(overdue_filter(), pk=case.pk).exists() is overdue
    assert case.is_overdue is overdue
    assert case.service_level.overdue is overdue


@pytest.mark.parametrize(
    ("due", "text", "days"),
    [
        (D(2026, 12, 10), "3 business days left", 3),
        (D(2026, 12, 8), "1 business day left", 1),
        (D(2026, 12, 7), "Due today", 0),
        (D(2026, 12, 4), "Overdue by 1 business day", -1),
        (D(2026, 11, 25), "Overdue by 6 business days", -6),  # not Thanksgiving nor the day after
    ],
)
def test_staff_read_the_business_days_left_or_overdue(clock, due, text, days):
    case = _send(clock, D(2026, 11, 2))
    clock.set(D(2026, 12, 7))
    Case.objects.filter(pk=case.pk).update(due_date=due, stage_due_date=None)
    case.refresh_from_db()

    assert (str(case.service_level), case.service_level.business_days) == (text, days)
    assert case.service_level.due_date == due


def test_a_waiting_case_reads_paused(clock, clerk):
    case = _move(clock, D(2026, 12, 1), _send(clock, D(2026, 12, 1)), S.IN_REVIEW, clerk)
    case = _move(clock, D(2026, 12, 2), case, S.AWAITING_INFO, clerk)
    clock.set(D(2027, 3, 1))

    assert str(case.service_level) == "Paused: waiting for the resident"
    assert not case.service_level.overdue


def test_a_list_reads_the_holidays_once_however_many_cases(clock, django_assert_num_queries):
    # given: cases due on many different days
    for offset in range(12):
        _send(clock, D(2026, 11, 2) + datetime.timedelta(days=offset))
    clock.set(D(2026, 12, 7))
    cases = list(Case.objects.filter(Q(kind="test_permit")))

    # then: one query for the administrator's holidays, for the whole list
    with django_assert_num_queries(1):
        service_levels_attach(cases)
        texts = [str(case.service_level) for case in cases]
    assert len(texts) == 12


def test_an_administrator_adds_a_closure_in_the_admin_and_due_dates_move(clock, clerk, client):
    # given: a case in review, due Monday 14 December, and an administrator with MFA
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    case = _move(clock, D(2026, 11, 30), _send(clock, D(2026, 11, 30)), S.IN_REVIEW, clerk)
    administrator = StaffFactory(is_superuser=True, roles=["administrator"])
    TOTP.activate(administrator, generate_totp_secret())
    client.force_login(administrator)

    # when: they add a closure on Thursday 10 December
    clock.set(D(2026, 12, 7))
    response = client.post(
        reverse("admin:cases_holiday_add"),
        {"date": "2026-12-10", "name": "Storm closure"},
    )

    # then
    assert response.status_code == 302
    assert Holiday.objects.get().name == "Storm closure"
    case.refresh_from_db()
    assert case.stage_due_date == D(2026, 12, 15)
    assert "Overdue" not in str(case.service_level)
