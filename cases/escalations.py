"""Escalation: a case past its due date is told to its department's supervisors, once per
stage.

`escalations_run` (the Celery beat task `cases.escalate_overdue`) finds overdue cases with
the one overdue condition (`cases.service_levels.overdue_condition`: open, not waiting for
the resident, the stage's or the whole case's due date past) in bounded batches, one
transaction each:

1. one statement selects the current stages of overdue cases not escalated yet, locking
   stage and case rows `FOR NO KEY UPDATE SKIP LOCKED` (a case being moved right now is left
   for the next run, where the condition is judged on its new state);
2. it marks them `CaseStage.escalated_at`: the database's record that the stage was
   escalated, so a stage is escalated once, whoever runs at the same time;
3. it writes a staff-only `escalated` event on each case's timeline and queues the message
   `cases/escalated` to the supervisors (e-mail and in-app, as each one's preferences say;
   dedupe keys per case, stage and person).

Everything of a batch commits together or not at all: a worker killed mid-run leaves its
batch unmarked, and the next run escalates it. Two runs at once skip each other's locked
rows and, once those commit, no longer see them. A case whose stage ends (it moved on) may
be escalated again in its next stage, if that one runs late too; a paused case never is.

Supervisors are the active staff holding the supervisor role in the case's department, or,
when it has none (or the case has no department), the agency-wide supervisors.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.events import ESCALATED
from cases.models import Case, CaseEvent, StaffMembership, StaffRole
from cases.service_levels import CaseStage, next_due_date, overdue_condition

logger = logging.getLogger(__name__)

BATCH_SIZE = 100


def supervisors_by_department(department_ids) -> dict[int | None, list]:
    """The supervisors who hear of each department's overdue cases (see the module's
    docstring), by department id (None: cases without a department), in primary-key order."""
    wanted = set(department_ids)
    memberships = (
        StaffMembership.objects.filter(
            Q(department_id__in=[d for d in wanted if d is not None]) | Q(department__isnull=True),
            role=StaffRole.SUPERVISOR,
            user__is_active=True,
            user__is_staff=True,
        )
        .select_related("user")
        .order_by("user_id")
    )
    own: dict[int | None, dict[int, object]] = defaultdict(dict)
    for membership in memberships:
        own[membership.department_id][membership.user_id] = membership.user
    agency = list(own.get(None, {}).values())
    return {
        department: (list(own[department].values()) if own.get(department) else agency)
        for department in wanted
    }


def _claim(*, today: datetime.date, now: datetime.datetime, limit: int) -> list[CaseStage]:
    """Lock and mark up to `limit` current stages of overdue cases not escalated yet; return
    them with their cases (read under the lock, so as they are now)."""
    stages = list(
        CaseStage.objects.filter(
            overdue_condition(prefix="case__", today=today),
            ended_at__isnull=True,
            escalated_at__isnull=True,
        )
        .select_related("case")
        .order_by("pk")
        .select_for_update(of=("self", "case"), skip_locked=True, no_key=True)[:limit]
    )
    if stages:
        CaseStage.objects.filter(pk__in=[stage.pk for stage in stages]).update(escalated_at=now)
    return stages


def _notify(case: Case, *, stage: CaseStage, due: datetime.date, people: list) -> None:
    from cases.notices import _context
    from notifications.models import NotificationChannel
    from notifications.services import notification_send

    link = settings.SITE_URL + reverse("admin:cases_case_change", args=[case.pk])
    for person in people:
        context = _context(case, language=person.preferred_language, link=link)
        context.update(overdue_since=due.isoformat())
        notification_send(
            template_key="cases/escalated",
            context=context,
            dedupe_key=f"cases:{case.pk}:escalated:{stage.number}:staff:{person.pk}",
            user=person,
            channels=[NotificationChannel.EMAIL, NotificationChannel.IN_APP],
            link_url=link,
        )


def _escalate_batch(*, today: datetime.date, limit: int) -> int:
    with transaction.atomic():
        now = timezone.now()
        stages = _claim(today=today, now=now, limit=limit)
        if not stages:
            return 0
        supervisors = supervisors_by_department({stage.case.department_id for stage in stages})
        events = []
        for stage in stages:
            case, people = stage.case, supervisors[stage.case.department_id]
            due = next_due_date(case)
            events.append(
                CaseEvent(
                    case=case,
                    kind=ESCALATED,
                    audience=CaseEvent.Audience.STAFF,
                    payload={
                        "due_date": due.isoformat(),
                        "status": stage.status,
                        "stage": stage.number,
                        "supervisors": ", ".join(str(person) for person in people),
                    },
                    created_at=now,
                )
            )
            if not people:
                logger.warning("Case %s is overdue and has no supervisor to tell", case.pk)
            _notify(case, stage=stage, due=due, people=people)
        CaseEvent.objects.bulk_create(events)
    return len(stages)


def escalations_run(*, batch_size: int = BATCH_SIZE, today: datetime.date | None = None) -> int:
    """Escalate every overdue case not escalated in its current stage; return how many.

    Safe to run at any time and several times at once (see the module's docstring); a
    second run finds nothing new.
    """
    today = today or timezone.localdate()
    total = 0
    while True:
        done = _escalate_batch(today=today, limit=batch_size)
        total += done
        if done < batch_size:
            break
    if total:
        logger.info("Escalated %s overdue cases", total)
    return total
