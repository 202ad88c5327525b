"""Reads of the taxes pages of the staff workbench: paper notices to mail, reminder runs.

Both are for the tax collector's staff (`taxes.staff_permissions`), checked here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from taxes.models import Owner, PaperNotice
from taxes.reminders import TEMPLATE_KEY
from taxes.staff_permissions import require_tax_staff


def paper_notices_open(*, user) -> QuerySet[PaperNotice]:
    """Notices still to mail, oldest first, with the bill, parcel and owners' mailing
    addresses (a fixed number of queries per page). Raises PermissionDenied."""
    require_tax_staff(user)
    return (
        PaperNotice.objects.filter(mailed_at__isnull=True)
        .select_related("bill__parcel")
        .prefetch_related(
            Prefetch("bill__parcel__owners", queryset=Owner.objects.order_by("position"))
        )
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class ReminderRun:
    day: datetime.date
    rule: str
    messages: int
    emails: int
    sms: int
    in_app: int
    sent: int
    delivered: int
    bounced: int
    failed: int
    waiting: int


# One row per rule and day the engine queued tax reminders, from the messages themselves
# (their dedupe key names the rule): what was queued, sent, delivered, bounced, failed.
_RUNS_SQL = """
SELECT (n.created_at AT TIME ZONE %(time_zone)s)::date AS day, r.name,
       count(*),
       count(*) FILTER (WHERE n.channel = 'email'),
       count(*) FILTER (WHERE n.channel = 'sms'),
       count(*) FILTER (WHERE n.channel = 'in_app'),
       count(*) FILTER (WHERE n.status = 'sent'),
       count(*) FILTER (WHERE n.delivery = 'delivered'),
       count(*) FILTER (WHERE n.delivery = 'bounced'),
       count(*) FILTER (WHERE n.status = 'failed'),
       count(*) FILTER (WHERE n.status IN ('pending', 'sending'))
  FROM notifications_notification AS n
  JOIN notifications_reminderrule AS r
    ON r.id = split_part(n.dedupe_key, ':', 2)::bigint
 WHERE n.template_key = %(template)s
   AND n.created_at >= %(since)s
   AND n.dedupe_key LIKE 'reminder:%%'
 GROUP BY 1, 2, r.days
 ORDER BY 1 DESC, r.days DESC, 2
"""


def reminder_runs(*, user, days: int = 60) -> list[ReminderRun]:
    """The tax reminder runs of the last `days` days, newest first, in one query.
    Raises PermissionDenied."""
    require_tax_staff(user)
    since = timezone.now() - datetime.timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute(
            _RUNS_SQL,
            {"time_zone": settings.TIME_ZONE, "template": TEMPLATE_KEY, "since": since},
        )
        return [ReminderRun(*row) for row in cursor.fetchall()]
