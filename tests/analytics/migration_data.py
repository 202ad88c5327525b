"""Data and snapshots shared by the analytics migration tests: every table a summary reads,
made through the real services, and the summaries' rows as plain tuples."""

import datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from notifications.models import Notification
from payments.models import Payment, StripeEvent
from payments.services import payment_record_counter, refund_issue
from tests.analytics.conftest import local
from tests.cases.factories import DepartmentFactory
from tests.concerns.factories import CategoryFactory, make_report
from tests.payments.factories import InvoiceFactory


def everything(*, make_case, supervisor, resident):
    """Cases in two departments (closed on time, late, without a target, open at several
    ages), money received, refunded and kept for review, an unmatched gateway event, messages
    on two channels by delivery, and reports in two squares of the map."""
    roads, gardens = DepartmentFactory(code="ROADS"), DepartmentFactory(code="GARDENS")
    now = timezone.now()
    make_case(
        submitted=local(2026, 11, 2, 9), closed=local(2026, 11, 5, 23, 30),
        due=datetime.date(2026, 11, 5), department=roads,
    )  # fmt: skip
    make_case(
        submitted=local(2026, 11, 2, 9), closed=local(2026, 11, 6, 8),
        due=datetime.date(2026, 11, 5), department=roads,
    )  # fmt: skip
    make_case(submitted=local(2026, 10, 26, 9), closed=local(2026, 11, 3, 9), department=gardens)
    for days in (0, 8, 31, 120):
        make_case(submitted=now - datetime.timedelta(days=days), department=roads)
    make_case(submitted=now - datetime.timedelta(days=3))

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

    for address, channel, status, delivery in [
        ("a@example.org", "email", "sent", "delivered"),
        ("b@example.org", "email", "sent", "bounced"),
        ("c@example.org", "email", "failed", ""),
        ("", "in_app", "pending", ""),
    ]:
        Notification.objects.create(
            recipient=resident, to_address=address, channel=channel,
            template_key="tests/message", language="en", status=status,
            sent_at=now if status == "sent" else None, delivery=delivery,
            delivery_at=now if delivery else None, dedupe_key=f"migration-{address or channel}",
        )  # fmt: skip

    pothole = CategoryFactory(name="Pothole")
    for latitude, longitude in [
        ("39.798700", "-89.654300"),
        ("39.791000", "-89.651000"),
        ("39.812000", "-89.640000"),
    ]:
        make_report(category=pothole, latitude=Decimal(latitude), longitude=Decimal(longitude))


def summaries(tables) -> dict[str, list[tuple]]:
    """Each summary table's rows, without their ids, sorted."""
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (a constant name)
            names = [column.name for column in cursor.description]
            keep = [i for i, name in enumerate(names) if name != "id"]
            rows[table] = sorted(
                (tuple(row[i] for i in keep) for row in cursor.fetchall()),
                key=lambda row: tuple((value is None, str(value)) for value in row),
            )
    return rows
