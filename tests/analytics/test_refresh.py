"""The summaries, rebuilt from real cases, payments and messages, at their boundaries."""

import datetime

import pytest
from django.utils import timezone

from cases.models import Case
from notifications.models import Notification
from payments.models import Payment
from payments.services import payment_record_counter, refund_issue
from portal.analytics import selectors
from portal.analytics.models import (
    BacklogAge,
    CaseWeek,
    CloseDuration,
    GatewayAttentionDay,
    MessageDay,
    RevenueDay,
    SummaryRefresh,
)
from portal.analytics.refresh import summaries_refresh
from portal.analytics.tasks import refresh_summaries
from tests.analytics.conftest import local
from tests.cases.factories import DepartmentFactory
from tests.payments.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 2)


def _weeks():
    return {
        (row.week, row.kind): (row.opened, row.closed, row.closed_with_target, row.closed_on_time)
        for row in CaseWeek.objects.all()
    }


def test_a_week_starts_on_monday_at_midnight_in_the_agency_time_zone(make_case):
    # given: one case a minute before Monday begins in New York, one at midnight (05:00 UTC)
    make_case(submitted=local(2026, 11, 1, 23, 59))
    make_case(submitted=local(2026, 11, 2, 0, 0))

    # when
    summaries_refresh()

    # then
    assert _weeks() == {
        (MONDAY - datetime.timedelta(days=7), "test_permit"): (1, 0, 0, 0),
        (MONDAY, "test_permit"): (1, 0, 0, 0),
    }


@pytest.mark.parametrize(
    ("closed_on", "on_time"),
    [(datetime.date(2026, 11, 5), 1), (datetime.date(2026, 11, 6), 0)],
    ids=["on the due date", "the day after"],
)
def test_a_case_closed_on_its_due_date_is_on_time_and_a_day_later_is_not(
    make_case, closed_on, on_time
):
    # given: due on Thursday the 5th, closed late that evening or the next morning
    closed = local(closed_on.year, closed_on.month, closed_on.day, 23, 30)
    make_case(submitted=local(2026, 11, 2, 9), closed=closed, due=datetime.date(2026, 11, 5))

    # when
    summaries_refresh()

    # then: submitted and closed in the same week
    assert _weeks() == {(MONDAY, "test_permit"): (1, 1, 1, on_time)}


def test_a_case_closed_without_a_due_date_counts_as_closed_but_not_against_a_target(make_case):
    case = make_case(submitted=local(2026, 11, 2, 9), closed=local(2026, 11, 3, 9))
    Case.objects.filter(pk=case.pk).update(due_date=None)

    summaries_refresh()

    assert _weeks() == {(MONDAY, "test_permit"): (1, 1, 0, 0)}


def test_departments_are_kept_apart_and_a_case_without_one_too(make_case):
    roads = DepartmentFactory(code="ROADS", name="Roads")
    make_case(submitted=local(2026, 11, 2, 9), department=roads)
    case = make_case(submitted=local(2026, 11, 2, 10))
    Case.objects.filter(pk=case.pk).update(department=None)

    summaries_refresh()

    assert sorted((row.department_id or 0, row.opened) for row in CaseWeek.objects.all()) == sorted(
        [(0, 1), (case.department_id or roads.pk, 1)] if False else [(0, 1), (roads.pk, 1)]
    )


def test_drafts_are_not_counted(make_case, resident):
    from cases.services import case_create

    case_create(kind="test_permit", applicant=resident, submit=False)

    summaries_refresh()

    assert CaseWeek.objects.count() == 0
    assert BacklogAge.objects.count() == 0


def test_days_to_close_are_calendar_days_in_the_agency_time_zone(make_case):
    # given: submitted late Monday evening, closed early Wednesday (in New York)
    make_case(submitted=local(2026, 11, 2, 23, 30), closed=local(2026, 11, 4, 0, 30))
    make_case(submitted=local(2026, 11, 2, 9), closed=local(2026, 11, 2, 17))

    summaries_refresh()

    assert sorted(CloseDuration.objects.values_list("week", "days", "cases")) == [
        (MONDAY, 0, 1),
        (MONDAY, 2, 1),
    ]


@pytest.mark.parametrize(
    ("age_days", "band"),
    [(0, 0), (7, 0), (8, 1), (30, 1), (31, 2), (90, 2), (91, 3)],
)
def test_backlog_age_bands_at_their_edges(make_case, age_days, band):
    today = timezone.localdate()
    submitted_on = today - datetime.timedelta(days=age_days)
    make_case(submitted=local(submitted_on.year, submitted_on.month, submitted_on.day, 12))

    summaries_refresh()

    assert list(BacklogAge.objects.values_list("kind", "band", "cases")) == [
        ("test_permit", band, 1)
    ]


def test_a_reopened_case_leaves_the_week_it_had_closed_in(make_case):
    case = make_case(submitted=local(2026, 11, 2, 9), closed=local(2026, 11, 3, 9))
    summaries_refresh()
    assert _weeks()[MONDAY, "test_permit"][1] == 1

    Case.objects.filter(pk=case.pk).update(closed_at=None)
    summaries_refresh()

    assert _weeks() == {(MONDAY, "test_permit"): (1, 0, 0, 0)}
    assert CloseDuration.objects.count() == 0


def test_running_twice_gives_the_same_rows_and_one_refresh_row(make_case):
    make_case(submitted=local(2026, 11, 2, 9), closed=local(2026, 11, 3, 9))
    summaries_refresh()
    first = _weeks()

    seconds = refresh_summaries.apply().get()

    assert _weeks() == first
    assert SummaryRefresh.objects.count() == 1
    assert seconds >= 0


def test_beat_runs_the_task_by_its_name(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["analytics-refresh-summaries"]

    assert schedule["task"] == refresh_summaries.name == "analytics.refresh_summaries"


def test_money_received_and_refunded_by_day_service_and_gateway(supervisor):
    # given: $50.00 taken at the counter, $20.00 of it refunded
    invoice = InvoiceFactory(purpose="licensing.application_fee")
    payment = payment_record_counter(
        invoice=invoice, method="cash", amount_cents=5000, actor=supervisor
    )
    refund_issue(payment=payment, amount_cents=2000, reason="Overpaid", actor=supervisor)
    today = timezone.localdate()

    # when
    summaries_refresh()

    # then
    row = RevenueDay.objects.get()
    assert (row.day, row.service, row.gateway) == (today, "licensing", "counter")
    assert (row.payments, row.received_cents, row.refunds, row.refunded_cents) == (
        1,
        5000,
        1,
        2000,
    )


def test_payments_kept_for_review_are_counted_for_attention_not_as_revenue(supervisor):
    invoice = InvoiceFactory()
    payment = payment_record_counter(
        invoice=invoice, method="cash", amount_cents=5000, actor=supervisor
    )
    Payment.objects.filter(pk=payment.pk).update(status="needs_review", review_reason="duplicate")

    summaries_refresh()

    assert RevenueDay.objects.count() == 0
    row = GatewayAttentionDay.objects.get()
    assert (row.unmatched_events, row.payments_for_review) == (0, 1)


def test_messages_by_day_channel_and_status(resident):
    now = timezone.now()
    for channel, status, address in [
        ("email", "sent", "a@example.org"),
        ("email", "sent", "b@example.org"),
        ("email", "failed", "c@example.org"),
        ("in_app", "pending", ""),
    ]:
        Notification.objects.create(
            recipient=resident,
            to_address=address,
            channel=channel,
            template_key="tests/message",
            language="en",
            status=status,
            sent_at=now if status == "sent" else None,
            dedupe_key=f"analytics-{address or channel}",
        )

    summaries_refresh()

    assert sorted(MessageDay.objects.values_list("channel", "status", "messages")) == [
        ("email", "failed", 1),
        ("email", "sent", 2),
        ("in_app", "pending", 1),
    ]


def _email(resident, address, *, status="sent", delivery=""):
    now = timezone.now()
    return Notification.objects.create(
        recipient=resident,
        to_address=address,
        channel="email",
        template_key="tests/message",
        language="en",
        status=status,
        sent_at=now if status == "sent" else None,
        delivery=delivery,
        delivery_at=now if delivery else None,
        dedupe_key=f"analytics-{address}",
    )


def test_messages_are_counted_by_what_the_provider_reported(resident):
    _email(resident, "a@example.org", delivery="delivered")
    _email(resident, "b@example.org", delivery="delivered")
    _email(resident, "c@example.org", delivery="bounced")
    _email(resident, "d@example.org")  # accepted, no report yet
    _email(resident, "e@example.org", status="failed")

    summaries_refresh()

    rows = MessageDay.objects.values_list("status", "delivery", "messages")
    assert sorted(rows) == [
        ("failed", "", 1),
        ("sent", "", 1),
        ("sent", "bounced", 1),
        ("sent", "delivered", 2),
    ]
    figures = selectors.messages(weeks=1)
    assert figures.columns[1:5] == ["Sent, no report yet", "Delivered", "Bounced", "Failed"]
    assert figures.rows == [["E-mail", 1, 2, 1, 1, 0, 0]]
