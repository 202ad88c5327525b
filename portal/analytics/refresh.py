"""Rebuild the analytics summaries from the live tables, in one transaction.

`summaries_refresh()` is set-based: one `INSERT … SELECT … GROUP BY` per summary, after
deleting the summary's rows, all in one transaction, so readers see the old figures until it
commits and then the new ones, never a half-built table; running it twice gives the same
rows. Rebuilding whole (rather than adding what changed) keeps it right when a case is
reopened, which takes its closure out of a past week. Measured in `make bench`
(tests/perf/test_analytics_bench.py): under a minute over a million cases and a million
reports (50 s on a loaded machine, docs/performance.md), run by beat
every `ANALYTICS_REFRESH_MINUTES`.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal.analytics.models import SummaryRefresh
from portal.analytics.selectors.map_charts import MAP_CELL_DEGREES

# Days and weeks are the agency's: every timestamp is read in its time zone (%(tz)s), and a
# week starts on Monday (date_trunc's ISO week).

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

# The map's squares as `map_charts` draws them: a report counts in the square its point is
# in, under its case's department (as every case chart counts it).
_REPORT_CELLS = """
INSERT INTO analytics_reportcellweek (week, category_id, department_id, latitude, longitude,
                                      reports)
SELECT date_trunc('week', r.requested_at AT TIME ZONE %(tz)s)::date, r.category_id,
       c.department_id,
       (floor(r.latitude / %(cell)s) + 0.5) * %(cell)s,
       (floor(r.longitude / %(cell)s) + 0.5) * %(cell)s,
       count(*)
  FROM concerns_concernreport r JOIN cases_case c ON c.id = r.case_id
 WHERE r.latitude IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5
"""

_TABLES = (
    ("analytics_caseweek", _CASE_WEEKS),
    ("analytics_closeduration", _DURATIONS),
    ("analytics_backlogage", _BACKLOG),
    ("analytics_revenueday", _REVENUE),
    ("analytics_gatewayattentionday", _ATTENTION),
    ("analytics_messageday", _MESSAGES),
    ("analytics_reportcellweek", _REPORT_CELLS),
)


def summaries_refresh() -> SummaryRefresh:
    """Rebuild every summary from the live tables in one transaction; return when and how
    long it took. Safe to run twice, or at the same time (the second waits for the first's
    lock, then rebuilds again).

    Migrations do not call this (it follows the latest schema): those that rebuild the
    summaries hold a copy of these queries as of their time (analytics 0004, 0005)."""
    started = time.monotonic()
    now = timezone.now()
    parameters = {
        "tz": settings.TIME_ZONE,
        "today": timezone.localdate(now),
        "cell": MAP_CELL_DEGREES,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # One refresh at a time (plain reads still go on): a second one queues behind.
        cursor.execute("LOCK TABLE analytics_summaryrefresh IN EXCLUSIVE MODE")
        for table, insert in _TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a constant name)
            cursor.execute(insert, parameters)
        refresh, _ = SummaryRefresh.objects.update_or_create(
            singleton=True,
            defaults={"refreshed_at": now, "seconds": time.monotonic() - started},
        )
    return refresh
