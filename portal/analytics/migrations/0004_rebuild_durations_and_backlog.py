import time

from django.conf import settings
from django.db import migrations
from django.utils import timezone

# The refresh task's queries (`portal.analytics.refresh`) as of this migration, copied: they
# read the tables as the migrations this one depends on leave them, so a later change to the
# refresh task or to those tables cannot break or change what this migration writes. Days
# and weeks are the agency's (settings.TIME_ZONE, %(tz)s); a week starts on Monday.

_CASE_WEEKS = """
INSERT INTO analytics_caseweek (week, kind, department_id, opened, closed,
                                closed_with_target, closed_on_time)
SELECT week, kind, department_id, sum(opened), sum(closed), sum(with_target), sum(on_time)
  FROM (
        SELECT date_trunc('week', submitted_at AT TIME ZONE %(tz)s)::date AS week,
               kind, department_id, 1 AS opened, 0 AS closed, 0 AS with_target, 0 AS on_time
          FROM cases_case
         WHERE submitted_at IS NOT NULL
        UNION ALL
        SELECT date_trunc('week', closed_at AT TIME ZONE %(tz)s)::date,
               kind, department_id, 0, 1,
               (due_date IS NOT NULL)::int,
               (due_date IS NOT NULL AND (closed_at AT TIME ZONE %(tz)s)::date <= due_date)::int
          FROM cases_case
         WHERE closed_at IS NOT NULL AND submitted_at IS NOT NULL
       ) AS moves
 GROUP BY week, kind, department_id
"""

_DURATIONS = """
INSERT INTO analytics_closeduration (week, kind, department_id, days, cases)
SELECT date_trunc('week', closed_at AT TIME ZONE %(tz)s)::date, kind, department_id,
       greatest((closed_at AT TIME ZONE %(tz)s)::date
                - (submitted_at AT TIME ZONE %(tz)s)::date, 0),
       count(*)
  FROM cases_case
 WHERE closed_at IS NOT NULL AND submitted_at IS NOT NULL
 GROUP BY 1, 2, 3, 4
"""

_BACKLOG = """
INSERT INTO analytics_backlogage (kind, department_id, band, cases)
SELECT kind, department_id,
       CASE WHEN age <= 7 THEN 0 WHEN age <= 30 THEN 1 WHEN age <= 90 THEN 2 ELSE 3 END,
       count(*)
  FROM (SELECT kind, department_id,
               %(today)s - (submitted_at AT TIME ZONE %(tz)s)::date AS age
          FROM cases_case
         WHERE closed_at IS NULL AND submitted_at IS NOT NULL) AS open_cases
 GROUP BY 1, 2, 3
"""

_REVENUE = """
INSERT INTO analytics_revenueday (day, service, gateway, payments, received_cents,
                                  refunds, refunded_cents)
SELECT day, service, gateway, sum(payments), sum(received), sum(refunds), sum(refunded)
  FROM (
        SELECT (p.settled_at AT TIME ZONE %(tz)s)::date AS day,
               split_part(i.purpose, '.', 1) AS service, p.gateway, 1 AS payments,
               p.amount_cents AS received, 0 AS refunds, 0 AS refunded
          FROM payments_payment p JOIN payments_invoice i ON i.id = p.invoice_id
         WHERE p.status = 'succeeded' AND p.settled_at IS NOT NULL
        UNION ALL
        SELECT (r.created_at AT TIME ZONE %(tz)s)::date, split_part(i.purpose, '.', 1), p.gateway,
               0, 0, 1, r.amount_cents
          FROM payments_refund r
          JOIN payments_payment p ON p.id = r.payment_id
          JOIN payments_invoice i ON i.id = p.invoice_id
         WHERE r.status = 'succeeded'
       ) AS money
 GROUP BY day, service, gateway
"""

_ATTENTION = """
INSERT INTO analytics_gatewayattentionday (day, unmatched_events, payments_for_review)
SELECT day, sum(events), sum(reviews)
  FROM (
        SELECT (received_at AT TIME ZONE %(tz)s)::date AS day, 1 AS events, 0 AS reviews
          FROM payments_stripeevent
         WHERE status IN ('unmatched', 'flagged')
        UNION ALL
        SELECT (created_at AT TIME ZONE %(tz)s)::date, 0, 1
          FROM payments_payment
         WHERE status = 'needs_review'
       ) AS attention
 GROUP BY day
"""

_MESSAGES = """
INSERT INTO analytics_messageday (day, channel, status, delivery, messages)
SELECT (created_at AT TIME ZONE %(tz)s)::date, channel, status, delivery, count(*)
  FROM notifications_notification
 GROUP BY 1, 2, 3, 4
"""

SUMMARIES = (
    ("analytics_caseweek", _CASE_WEEKS),
    ("analytics_closeduration", _DURATIONS),
    ("analytics_backlogage", _BACKLOG),
    ("analytics_revenueday", _REVENUE),
    ("analytics_gatewayattentionday", _ATTENTION),
    ("analytics_messageday", _MESSAGES),
)


def summaries_rebuild(apps, schema_editor):
    """Rebuild the summaries that 0003 emptied, where figures had been published.

    0003 emptied the durations and the backlog (to add their department), so until the next
    scheduled refresh the median days to decision and the backlog charts would show nothing
    while the page says the figures are up to date. This rebuilds every summary of the time
    as the beat task did then, at deployment, in the migration's transaction (seconds over a
    million cases; see docs/performance.md). Where the summaries were never refreshed (a new
    or empty database) there is nothing to repair, and nothing is written: the page keeps
    saying the figures have not been worked out yet until the first scheduled refresh.
    """
    SummaryRefresh = apps.get_model("analytics", "SummaryRefresh")
    alias = schema_editor.connection.alias
    if not SummaryRefresh.objects.using(alias).exists():
        return
    started = time.monotonic()
    now = timezone.now()
    parameters = {"tz": settings.TIME_ZONE, "today": timezone.localdate(now)}
    with schema_editor.connection.cursor() as cursor:
        # One refresh at a time: a beat task's refresh running meanwhile queues behind.
        cursor.execute("LOCK TABLE analytics_summaryrefresh IN EXCLUSIVE MODE")
        for table, insert in SUMMARIES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a constant name)
            cursor.execute(insert, parameters)
    SummaryRefresh.objects.using(alias).update_or_create(
        singleton=True, defaults={"refreshed_at": now, "seconds": time.monotonic() - started}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_durations_and_backlog_by_department"),
        # The tables the queries above read, at the schema they read them in.
        ("cases", "0017_work_item_cancelled"),
        ("notifications", "0007_delivery_status"),
        ("payments", "0006_invoice_one_per_subject"),
    ]

    operations = [
        # Reversing leaves the rebuilt rows: they are right for 0003's schema too.
        migrations.RunPython(summaries_rebuild, reverse_code=migrations.RunPython.noop),
    ]
