"""Service levels: due dates in business days, per stage and for the whole case, with pauses.

The agency's calendar skips weekends, the public holidays of its country and subdivision
(the maintained `holidays` library, configured by the settings `AGENCY_HOLIDAYS_COUNTRY` and
`AGENCY_HOLIDAYS_SUBDIVISION`) and the dates the administrator adds as `Holiday` rows (a
closure for a storm, the day after Thanksgiving)::

    business_days_add(start=datetime.date(2026, 12, 24), days=2)  # skips Christmas Day

A misconfigured country or subdivision is a system check error (`cases.E003`) at start-up,
not a wrong due date later.

Targets are declared by each workflow (cases/workflow.py): `Workflow.target_days` for the
whole case, `State.target_days` for a stage (the time staff have to move the case on from
that status). `stage_move`, called by `cases.services` in the transaction of every move,
keeps the clocks:

- a stage starts when the case enters an open status: a `CaseStage` row records when, in
  which status and when it is due; `Case.stage_due_date` holds the current stage's due date
  and `Case.due_date` the whole case's;
- entering a status declared waiting for the resident (`State(waiting=True)`) pauses both
  clocks (`Case.paused_at`); leaving it moves both due dates on by the business days the case
  waited (counted from the day after it paused up to the day it resumed), and if it goes back
  to the stage it paused in, that stage goes on; otherwise a new stage starts;
- a final status ends the stage; leaving a final status (a reopened report) starts the whole
  case's clock again.

Overdue has one definition, `overdue_condition` (an open case not waiting for the resident
whose stage or whole-case due date is past, in the agency's time zone), used by every
selector, filter and escalation; `Case.is_overdue` says the same of one case in Python.
`escalations.py` tells supervisors about overdue cases, once per case per stage.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import holidays as holidays_library
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Saturday and Sunday (date.weekday()).
WEEKEND = frozenset({5, 6})
# How far a count may run before it is a mistake rather than a target (about ten years).
_MAX_DAYS = 2600


class Holiday(models.Model):
    """A day the agency is closed beyond the public holidays of its country: no service-level
    clock runs on it."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


def holidays_settings() -> tuple[str, str]:
    """The configured (country, subdivision) of the agency's public holidays."""
    return (
        getattr(settings, "AGENCY_HOLIDAYS_COUNTRY", "US"),
        getattr(settings, "AGENCY_HOLIDAYS_SUBDIVISION", ""),
    )


@lru_cache(maxsize=32)
def _public_holidays(country: str, subdivision: str, year: int) -> frozenset[datetime.date]:
    calendar = holidays_library.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(calendar)


def closed_days(*, start: datetime.date, end: datetime.date) -> frozenset[datetime.date]:
    """Every holiday (public or the administrator's) from `start` to `end`, both included."""
    country, subdivision = holidays_settings()
    days: set[datetime.date] = set()
    for year in range(start.year, end.year + 1):
        days |= _public_holidays(country, subdivision, year)
    days |= set(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))
    return frozenset(day for day in days if start <= day <= end)


def is_business_day(day: datetime.date, closed: frozenset[datetime.date]) -> bool:
    return day.weekday() not in WEEKEND and day not in closed


def _span(days: int) -> datetime.timedelta:
    # Weekends and holidays never take more than half the days of a long enough window.
    return datetime.timedelta(days=days * 2 + 14)


class BusinessCalendar:
    """The agency's business days over a window of dates, read once.

    Reading the administrator's holidays is one query per window; a list or a move that
    counts business days for many dates builds one calendar and asks it, so its queries do
    not grow with the number of dates. The window widens (one more query) when asked about
    a date outside it.
    """

    def __init__(self, *, start: datetime.date, end: datetime.date | None = None):
        self.start = start
        self.end = max(end or start, start)
        self.closed = closed_days(start=self.start, end=self.end)

    def _cover(self, start: datetime.date, end: datetime.date) -> None:
        if start < self.start or end > self.end:
            self.start, self.end = min(start, self.start), max(end, self.end)
            self.closed = closed_days(start=self.start, end=self.end)

    def add(self, start: datetime.date, days: int) -> datetime.date:
        """The date `days` business days after `start` (`start` itself counts as day 0, so
        a target of 1 from a Friday is the next Monday). Raises ValueError for a negative
        count."""
        if days < 0:
            raise ValueError("A count of business days cannot be negative.")
        self._cover(start, start + _span(days))
        day, counted = start, 0
        while counted < days:
            day += datetime.timedelta(days=1)
            if day > self.end:
                self._cover(start, day + _span(days))
            if is_business_day(day, self.closed):
                counted += 1
        return day

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """How many business days after `start` up to and including `end` (0 if `end` is
        not after `start`). Raises ValueError for dates more than about ten years apart."""
        if end <= start:
            return 0
        if (end - start).days > _MAX_DAYS:
            raise ValueError("The dates are too far apart to count business days.")
        self._cover(start, end)
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if is_business_day(start + datetime.timedelta(days=offset), self.closed)
        )


def business_days_add(*, start: datetime.date, days: int) -> datetime.date:
    """The date `days` business days after `start` (`start` itself counts as day 0, so a
    target of 1 from a Friday is the next Monday). Raises ValueError for a negative count."""
    if days < 0:
        raise ValueError("A count of business days cannot be negative.")
    return BusinessCalendar(start=start, end=start + _span(days)).add(start, days)


def business_days_between(*, start: datetime.date, end: datetime.date) -> int:
    """How many business days after `start` up to and including `end` (0 if `end` is not
    after `start`)."""
    if end <= start:
        return 0
    return BusinessCalendar(start=start, end=end).between(start, end)


# --- Stages: the clocks of one case ---------------------------------------------------------


class CaseStage(models.Model):
    """One stage of a case: the time it spends in one open status, against that status's
    target, including the pauses while it waited for the resident.

    Written only by `stage_move`, in the transaction that moves the case (its row locked).
    The current stage is the one not ended (at most one per case, held by the database);
    `Case.stage_due_date` repeats its due date so the overdue condition needs no join.
    `escalated_at` is set once, when supervisors were told the case is overdue in this
    stage (cases/escalations.py): the database's record that it was done.
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="stages"
    )
    number = models.PositiveSmallIntegerField(_("stage"))
    status = models.CharField(_("status"), max_length=20)
    started_at = models.DateTimeField(_("started"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(
        _("business days waiting for the resident"), default=0
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("case stage")
        verbose_name_plural = _("case stages")
        ordering = ["case_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="cases_stage_number"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_at__isnull=True), name="cases_stage_one_current"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="cases_stage_number_positive"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="cases_stage_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.number}: {self.status}"


def _calendar_for_move(workflow, *, today: datetime.date, paused_on: datetime.date | None):
    targets = [workflow.target_days or 0] + [
        state.target_days or 0 for state in workflow.states.values()
    ]
    start = min(today, paused_on) if paused_on else today
    return BusinessCalendar(start=start, end=today + _span(max(targets)))


def stage_move(
    *,
    case,
    workflow,
    from_status: str | None,
    now: datetime.datetime,
    target_days: int | None = None,
) -> None:
    """Keep `case`'s service-level clocks as it enters `case.status` from `from_status`
    (None: the case is being created).

    Called by `cases.services` inside the move's transaction, with the case row locked and
    before it is saved: sets `due_date`, `stage_due_date` and `paused_at` on `case` (the
    caller saves them) and writes its `CaseStage` rows. A first submission, or leaving a
    final status, starts the whole case's clock (`target_days` replaces the workflow's, for
    a service whose administrator sets it per type). Entering a waiting status pauses both
    clocks; leaving it moves both due dates on by the business days waited. An open status
    starts a stage with its own target, unless the case returns to the stage it paused in.
    A final status ends the stage.
    """
    from cases.workflow import DRAFT, FINAL, OPEN, WAITING

    to_status = case.status
    if to_status == DRAFT:
        return
    today = timezone.localtime(now).date()
    phase = workflow.phase(to_status)
    paused_on = timezone.localtime(case.paused_at).date() if case.paused_at else None
    calendar = _calendar_for_move(workflow, today=today, paused_on=paused_on)
    current = None
    if from_status not in (None, DRAFT):
        current = CaseStage.objects.filter(case=case, ended_at__isnull=True).first()

    waited = 0
    if paused_on is not None and phase != WAITING:
        waited = calendar.between(paused_on, today)
        case.paused_at = None
        if phase == OPEN and waited and case.due_date is not None:
            case.due_date = calendar.add(case.due_date, waited)
    if (from_status in (None, DRAFT) or workflow.is_final(from_status)) and phase != FINAL:
        whole = workflow.target_days if target_days is None else target_days
        case.due_date = calendar.add(today, whole) if whole is not None else None

    if phase == WAITING:
        # The stage stays current, its clock stopped; a second waiting status in a row
        # keeps the first pause.
        case.paused_at = case.paused_at or now
        return
    if current is not None and phase == OPEN and current.status == to_status:
        # Back to the stage it paused in: the stage goes on, later by the days waited.
        if waited:
            current.paused_days += waited
            if current.due_date is not None:
                current.due_date = calendar.add(current.due_date, waited)
            current.save(update_fields=["paused_days", "due_date"])
        case.stage_due_date = current.due_date
        return
    if current is not None:
        current.ended_at = now
        current.paused_days += waited
        current.save(update_fields=["ended_at", "paused_days"])
    if phase == FINAL:
        case.stage_due_date = None
        return
    if current is not None:
        number = current.number + 1
    elif from_status in (None, DRAFT):
        number = 1
    else:
        last = CaseStage.objects.filter(case=case).aggregate(last=Max("number"))["last"]
        number = (last or 0) + 1
    target = workflow.stage_target(to_status)
    due = calendar.add(today, target) if target is not None else None
    CaseStage.objects.create(
        case=case, number=number, status=to_status, started_at=now, due_date=due
    )
    case.stage_due_date = due


# --- Overdue: one definition ------------------------------------------------------------------


def overdue_condition(*, prefix: str = "", today: datetime.date | None = None) -> Q:
    """Open cases past a due date (the current stage's or the whole case's, in the agency's
    time zone) and not waiting for the resident, through `prefix` ("case__" from a model
    that links to its case). The only definition of overdue."""
    today = today or timezone.localdate()
    return Q(**{f"{prefix}closed_at__isnull": True, f"{prefix}paused_at__isnull": True}) & (
        Q(**{f"{prefix}stage_due_date__lt": today}) | Q(**{f"{prefix}due_date__lt": today})
    )


def next_due_date(case) -> datetime.date | None:
    """The nearer of `case`'s stage and whole-case due dates (what a list sorts by)."""
    dates = [day for day in (case.stage_due_date, case.due_date) if day is not None]
    return min(dates) if dates else None


def next_due_expression(*, prefix: str = ""):
    """`next_due_date` in SQL, for ordering a list (PostgreSQL's LEAST skips NULLs)."""
    from django.db.models import F
    from django.db.models.functions import Least

    return Least(F(f"{prefix}stage_due_date"), F(f"{prefix}due_date"))


def is_overdue(case, *, today: datetime.date | None = None) -> bool:
    """`overdue_condition` for one case in Python."""
    today = today or timezone.localdate()
    due = next_due_date(case)
    return case.closed_at is None and case.paused_at is None and due is not None and due < today


@dataclass(frozen=True)
class ServiceLevel:
    """Where one case stands against its targets, as staff read it."""

    due_date: datetime.date | None  # the nearer of the stage's and the whole case's
    business_days: int | None  # left (0: due today) or, negative, overdue by; None: no date
    paused: bool  # waiting for the resident: the clock is stopped
    overdue: bool  # `overdue_condition`

    def __str__(self) -> str:
        from django.utils.translation import gettext, ngettext

        if self.due_date is None or self.business_days is None:
            return gettext("No target")
        if self.paused:
            return gettext("Paused: waiting for the resident")
        if self.overdue:
            days = -self.business_days
            if days <= 0:
                return gettext("Overdue")
            return ngettext(
                "Overdue by %(days)s business day", "Overdue by %(days)s business days", days
            ) % {"days": days}
        if self.business_days == 0:
            return gettext("Due today")
        return ngettext(
            "%(days)s business day left", "%(days)s business days left", self.business_days
        ) % {"days": self.business_days}


def service_level(
    case, *, calendar: BusinessCalendar | None = None, today: datetime.date | None = None
) -> ServiceLevel:
    """Where `case` stands: its next due date and the business days left or overdue."""
    today = today or timezone.localdate()
    due = next_due_date(case) if case.closed_at is None else None
    if due is None:
        return ServiceLevel(due_date=None, business_days=None, paused=False, overdue=False)
    # A case overdue for more than ten years is counted from ten years back.
    since = max(due, today - datetime.timedelta(days=_MAX_DAYS))
    calendar = calendar or BusinessCalendar(start=min(since, today), end=max(due, today))
    days = calendar.between(today, due) if due >= today else -calendar.between(since, today)
    return ServiceLevel(
        due_date=due,
        business_days=days,
        paused=case.paused_at is not None,
        overdue=is_overdue(case, today=today),
    )


def service_levels_attach(cases: Iterable, *, path: str = "") -> None:
    """Work out `service_level` for many cases with one calendar (one query however many
    cases), and keep each on its case for `Case.service_level`. `path` is the attribute
    leading from each item to its case ("case" for a model that links to its case)."""
    items = list(cases)
    found = [getattr(item, path) if path else item for item in items]
    today = timezone.localdate()
    dates = [day for case in found if (day := next_due_date(case)) is not None]
    if not dates:
        for case in found:
            case._service_level = service_level(case, today=today)
        return
    earliest = max(min(dates), today - datetime.timedelta(days=_MAX_DAYS))
    calendar = BusinessCalendar(start=min(earliest, today), end=max(max(dates), today))
    for case in found:
        case._service_level = service_level(case, calendar=calendar, today=today)


# --- The administrator's holidays --------------------------------------------------------------


_OPEN_CASES_DUE_FROM = """
    SELECT id FROM cases_case
     WHERE closed_at IS NULL AND (due_date >= %(day)s OR stage_due_date >= %(day)s)
     ORDER BY id
       FOR NO KEY UPDATE
"""

_MOVE_STAGES = """
    UPDATE cases_casestage AS stage
       SET due_date = moved.new
      FROM unnest(%(old)s::date[], %(new)s::date[]) AS moved(old, new)
     WHERE stage.ended_at IS NULL AND stage.due_date = moved.old
       AND stage.started_at < %(start)s
"""


def holiday_add(*, date: datetime.date, name: str) -> Holiday:
    """Close the agency on `date` and move the open cases' due dates past it.

    A case whose current stage, or whole case, started before `date` and is due on or
    after it loses a business day: its due date moves to the next business day after the
    one it had. Locks those cases' rows in primary-key order (as every move locks its case)
    and moves them set-based, in one transaction with the new row. Raises IntegrityError if
    the day is already a holiday.
    """
    from cases.models import Case

    name = (name or "").strip()
    if not name:
        raise ValueError("A holiday needs a name.")
    with transaction.atomic():
        holiday = Holiday.objects.create(date=date, name=name)
        with connection.cursor() as cursor:
            cursor.execute(_OPEN_CASES_DUE_FROM, {"day": date})
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return holiday
        start = timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
        cases = Case.objects.filter(pk__in=ids)
        olds = sorted(
            {day for pair in cases.values_list("due_date", "stage_due_date") for day in pair}
            - {None}
        )
        olds = [day for day in olds if day >= date]
        calendar = BusinessCalendar(start=date, end=max(olds) + _span(1))
        news = [calendar.add(day, 1) for day in olds]
        moved = dict(zip(olds, news, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(_MOVE_STAGES, {"old": olds, "new": news, "start": start})
        stage_due = dict(
            CaseStage.objects.filter(case_id__in=ids, ended_at__isnull=True).values_list(
                "case_id", "due_date"
            )
        )
        changed = list(cases.only("id", "submitted_at", "due_date", "stage_due_date"))
        for case in changed:
            if case.submitted_at is not None and case.submitted_at < start:
                case.due_date = moved.get(case.due_date, case.due_date)
            case.stage_due_date = stage_due.get(case.pk, case.stage_due_date)
        Case.objects.bulk_update(changed, ["due_date", "stage_due_date"])
    return holiday
