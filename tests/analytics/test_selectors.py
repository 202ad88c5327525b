"""The analytics' reads: medians, periods and each chart's figures from real summaries."""

import datetime

import pytest
from django.utils import timezone

from payments.models import Payment, StripeEvent
from payments.services import payment_record_counter, refund_issue
from portal.analytics import selectors
from portal.analytics.figures import period_start, weighted_median
from portal.analytics.refresh import summaries_refresh
from tests.analytics.conftest import local
from tests.cases.factories import DepartmentFactory
from tests.payments.factories import InvoiceFactory


@pytest.mark.parametrize(
    ("counts", "median"),
    [
        ({}, None),
        ({5: 1}, 5),
        ({1: 1, 3: 1}, 2),
        ({1: 2, 10: 1}, 1),
        ({1: 1, 2: 1, 3: 1, 100: 1}, 2.5),
        ({0: 3, 4: 3}, 2),
        ({0: 3, 4: 4}, 4),
    ],
)
def test_weighted_median_is_the_median_of_the_values_repeated(counts, median):
    assert weighted_median(counts) == median


@pytest.mark.parametrize(
    ("today", "weeks", "start"),
    [
        (datetime.date(2026, 11, 2), 1, datetime.date(2026, 11, 2)),  # a Monday
        (datetime.date(2026, 11, 8), 1, datetime.date(2026, 11, 2)),  # the Sunday after
        (datetime.date(2026, 11, 9), 4, datetime.date(2026, 10, 19)),
    ],
)
def test_the_period_starts_on_the_monday_weeks_back_this_week_included(today, weeks, start):
    assert period_start(today=today, weeks=weeks) == start


def _this_monday_at(hour: int) -> datetime.datetime:
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    return local(monday.year, monday.month, monday.day, hour)


@pytest.mark.django_db
def test_case_flow_and_service_levels_read_the_summaries(make_case, supervisor):
    # given: this week, three cases in Roads (two closed, one of them late) and one elsewhere
    roads = DepartmentFactory(code="ROADS", name="Roads")
    monday = _this_monday_at(9)
    due = monday.date()
    make_case(submitted=monday, closed=monday, due=due, department=roads)
    make_case(
        submitted=monday,
        closed=monday + datetime.timedelta(days=1),
        due=due,
        department=roads,
    )
    make_case(submitted=monday, department=roads)
    make_case(submitted=monday - datetime.timedelta(weeks=20))
    summaries_refresh()

    # when: read across the agency
    scope = selectors.analytics_scope(user=supervisor)
    flow = selectors.case_flow(weeks=4, scope=scope)
    levels = selectors.on_time_by_department(weeks=4, scope=scope)
    decisions = selectors.time_to_decision(weeks=4, scope=scope)

    # then: the case from 20 weeks ago is outside the period
    assert flow.rows == [[due.isoformat(), "Test permit", 3, 2]]
    assert flow.series[0][1] == [0, 0, 0, 3] and flow.series[1][1] == [0, 0, 0, 2]
    assert levels.rows == [["Roads", 2, 1, 50.0]]
    assert decisions.rows == [["Test permit", 2, 0.5]]


@pytest.mark.django_db
def test_the_backlog_counts_open_cases_by_age(make_case, supervisor):
    now = timezone.now()
    make_case(submitted=now)
    make_case(submitted=now - datetime.timedelta(days=40))
    make_case(submitted=now - datetime.timedelta(days=400))
    make_case(submitted=now - datetime.timedelta(days=400), closed=now)
    summaries_refresh()

    figures = selectors.backlog(scope=selectors.analytics_scope(user=supervisor))

    assert figures.rows == [["Test permit", 1, 0, 1, 1, 3]]
    assert figures.columns[1:] == [*selectors.age_band_labels(), "Total"]


@pytest.mark.django_db
def test_the_public_figures_hold_services_and_numbers_only(make_case):
    monday = _this_monday_at(9)
    case = make_case(submitted=monday, closed=monday, due=monday.date())
    summaries_refresh()

    figures = selectors.public_performance(weeks=52)

    assert figures.rows == [["Test permit", 1, 100.0, 0]]
    text = repr(figures.rows) + repr(figures.display)
    assert case.reference not in text
    assert case.applicant.email not in text


@pytest.mark.django_db
def test_every_chart_is_empty_before_the_first_refresh(supervisor):
    charts = selectors.dashboard(weeks=12, scope=selectors.analytics_scope(user=supervisor))

    assert [chart.key for chart in charts] == list(selectors.CHARTS)
    assert all(chart.empty for chart in charts)
    assert selectors.last_refresh() is None


@pytest.mark.django_db
def test_the_money_charts_read_revenue_refunds_and_what_needs_attention(supervisor):
    # given: $50.00 taken at the counter for a licence and $20.00 of it refunded, a payment
    # kept for review and a gateway event nobody could match, all today
    payment = payment_record_counter(
        invoice=InvoiceFactory(purpose="licensing.application_fee"),
        method="cash", amount_cents=5000, actor=supervisor,
    )  # fmt: skip
    refund_issue(payment=payment, amount_cents=2000, reason="Overpaid", actor=supervisor)
    held = payment_record_counter(
        invoice=InvoiceFactory(), method="cash", amount_cents=5000, actor=supervisor
    )
    Payment.objects.filter(pk=held.pk).update(status="needs_review", review_reason="duplicate")
    StripeEvent.objects.create(
        event_id="evt_unmatched", type="payment_intent.succeeded", payload={}, status="unmatched"
    )
    summaries_refresh()
    today = timezone.localdate().isoformat()

    # when
    revenue = selectors.revenue(weeks=1)
    attention = selectors.gateway_attention(weeks=1)

    # then: one row per day, service and gateway, in words; the day's attention counts
    assert revenue.columns == [
        "Day", "Service", "Gateway", "Payments", "Received", "Refunds", "Refunded",
    ]  # fmt: skip
    assert revenue.rows == [[today, "Licensing", "At the counter", 1, "50.00", 1, "20.00"]]
    assert attention.rows == [[today, 1, 1]]
