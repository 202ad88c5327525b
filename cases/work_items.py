"""Parallel work items on one case: a review per department, each with its own outcome.

A permit may need zoning, fire and building reviews at once. Each is a `WorkItem` with its
own department, assignee, due date and outcome; the case's workflow says how their outcomes
join (`cases.workflow.WorkItemJoin`): when the last open item of a round closes, the case
moves on (every item approved) or goes back for corrections (any item rejected), as the
system, in the same transaction as the closing item. A move that must wait for the reviews
takes the guard `work_items_closed`::

    Transition(S.IN_REVIEW, S.APPROVED, actors={STAFF, SYSTEM}, guard=work_items_closed)

A round is the set of items opened together: opening an item while none of the case's items
is open starts a new round (after corrections, the resubmitted case is reviewed afresh), and
the join reads only the latest round. The database holds one item per department per round,
an outcome exactly when the item is closed, and closing after opening.

When the case itself ends early (withdrawn, cancelled), `work_items_cancel` closes its open
items as `cancelled`, so they leave every queue and nobody decides work that no longer counts;
the items already decided keep their outcome.

Every write locks the case row first (the same lock `cases.services.transition` takes), so
two reviewers closing the last two items at once are applied one after the other and exactly
one of them triggers the join, judged on both outcomes.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Max, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.exceptions import ActionForbidden, CaseError, InvalidAssignee

logger = logging.getLogger(__name__)


class WorkItemOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Changes needed")
    # Closed by nobody's decision: its case was withdrawn or cancelled (`work_items_cancel`).
    CANCELLED = "cancelled", _("Cancelled")


# The outcomes a person decides (`work_item_complete`); `cancelled` is the case's doing.
DECIDED = frozenset({WorkItemOutcome.APPROVED, WorkItemOutcome.REJECTED})


class WorkItem(models.Model):
    """One department's piece of work on a case (a review, a check), worked in parallel."""

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="work_items",
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    department = models.ForeignKey(
        "cases.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="work_items",
    )
    title = models.CharField(_("title"), max_length=150)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_work_items",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, blank=True, choices=WorkItemOutcome.choices
    )
    # What the reviewer found, for staff (a rejection's reasons reach the resident through
    # the public note of the move to corrections, written by a person).
    note = models.TextField(_("note"), blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        ordering = ["case_id", "round", "opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "round", "department"], name="cases_workitem_one_per_department"
            ),
            models.CheckConstraint(condition=Q(round__gte=1), name="cases_workitem_round_positive"),
            models.CheckConstraint(
                condition=Q(outcome__in=["", *WorkItemOutcome.values]),
                name="cases_workitem_outcome_known",
            ),
            # An outcome exactly when the item is closed.
            models.CheckConstraint(
                condition=Q(outcome="", closed_at__isnull=True)
                | (~Q(outcome="") & Q(closed_at__isnull=False)),
                name="cases_workitem_outcome_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")),
                name="cases_workitem_closed_after_opened",
            ),
        ]
        indexes = [
            # The guard and the join: a case's open items.
            models.Index(
                fields=["case"], name="cases_workitem_open", condition=Q(closed_at__isnull=True)
            ),
            # A reviewer's queue, and overdue items.
            models.Index(
                fields=["assignee", "due_date"],
                name="cases_workitem_assignee_open",
                condition=Q(closed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class WorkItemClosed(CaseError):
    """The work item is closed already: its outcome stands."""


def _closed_error(item: WorkItem) -> WorkItemClosed:
    if item.outcome == WorkItemOutcome.CANCELLED:
        return WorkItemClosed(gettext("This work item was cancelled with its case."))
    return WorkItemClosed(gettext("This work item is closed."))


def case_has_open_work_items(case) -> bool:
    """Whether any work item of `case` is still open (one indexed query)."""
    return WorkItem.objects.filter(case_id=case.pk, closed_at__isnull=True).exists()


def work_items_closed(*, case, actor=None) -> str | None:
    """A transition guard: refuse the move while a work item of the case is open."""
    if case_has_open_work_items(case):
        return gettext("A review of this case is still open.")
    return None


def work_items_of(*, case) -> list[WorkItem]:
    """The work items of `case`, by round, with their department and assignee."""
    return list(WorkItem.objects.filter(case_id=case.pk).select_related("department", "assignee"))


def _lock_case(case):
    from cases.models import Case

    return Case.objects.select_for_update(of=("self",), no_key=True).get(pk=case.pk)


def _check_assignee(assignee, department) -> None:
    from cases import permissions

    if assignee is not None and not permissions.can(assignee, permissions.VIEW, department):
        raise InvalidAssignee(
            gettext("Work items can only be assigned to staff who work their department.")
        )


def work_item_open(
    *,
    case,
    department,
    title: str,
    actor,
    assignee=None,
    due_date: datetime.date | None = None,
) -> WorkItem:
    """Open a work item on `case` for `department` (a review, a check).

    `actor` is staff who may assign work on the case, or None for the system. The case must
    be open and, if its workflow joins work items, in the status where they are worked.
    Raises ActionForbidden, InvalidAssignee, or CaseError for a case not in that status.
    """
    from cases import permissions

    title = (title or "").strip()
    if not title:
        raise ValueError("A work item needs a title.")
    if actor is not None and not permissions.can(actor, permissions.ASSIGN, case):
        raise ActionForbidden(gettext("Your staff role does not allow this."))
    _check_assignee(assignee, department)
    with transaction.atomic():
        locked = _lock_case(case)
        join = locked.workflow.work_items if locked.workflow else None
        if locked.closed_at is not None or (join is not None and locked.status != join.status):
            raise CaseError(f"Case {locked.reference} is not being reviewed ({locked.status}).")
        items = WorkItem.objects.filter(case=locked)
        latest = items.aggregate(latest=Max("round"))["latest"] or 0
        ongoing = items.filter(closed_at__isnull=True).exists()
        item = WorkItem.objects.create(
            case=locked,
            round=latest if ongoing else latest + 1,
            department=department,
            title=title,
            assignee=assignee,
            due_date=due_date,
            opened_by=actor,
        )
    logger.info("Work item %s opened on case %s (round %s)", item.pk, case.pk, item.round)
    return item


def work_item_assign(*, item: WorkItem, assignee, actor) -> WorkItem:
    """Give `item` to `assignee` (staff of its department), or to nobody.

    `actor` must be staff who assigns work in the item's department, or None for the system.
    Raises ActionForbidden, InvalidAssignee or WorkItemClosed.
    """
    from cases import permissions

    if actor is not None and not permissions.can(actor, permissions.ASSIGN, item.department):
        raise ActionForbidden(gettext("Your staff role does not allow this."))
    _check_assignee(assignee, item.department)
    with transaction.atomic():
        locked = WorkItem.objects.select_for_update(no_key=True).get(pk=item.pk)
        if locked.closed_at is not None:
            raise _closed_error(locked)
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
    item.assignee = assignee
    return item


def work_item_complete(*, item: WorkItem, outcome: str, actor, note: str = "") -> WorkItem:
    """Close `item` with `outcome` (approved or rejected), then join the round if it was the
    last open item.

    `actor` is the item's assignee or staff who decides in its department. When the join
    rule of the case's workflow applies, the case moves in the same transaction (recorded as
    the system's move). Raises ActionForbidden, WorkItemClosed, or ValueError for an unknown
    outcome.
    """
    from cases import permissions

    if outcome not in DECIDED:
        raise ValueError(f"Unknown outcome {outcome!r}; use one of {sorted(DECIDED)}.")
    allowed = actor is not None and (
        (item.assignee_id == actor.pk and permissions.is_active_staff(actor))
        or permissions.can(actor, permissions.MOVE, item.department)
    )
    if not allowed:
        raise ActionForbidden(gettext("Only its assignee or the department's staff can close it."))
    with transaction.atomic():
        case = _lock_case(item.case)
        locked = WorkItem.objects.select_for_update(no_key=True).get(pk=item.pk)
        if locked.closed_at is not None:
            raise _closed_error(locked)
        locked.outcome = outcome
        locked.note = (note or "").strip()
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.save(update_fields=["outcome", "note", "closed_at", "closed_by"])
        _join(case=case, round_=locked.round)
    for field in ("outcome", "note", "closed_at", "closed_by"):
        setattr(item, field, getattr(locked, field))
    return item


def work_items_cancel(*, case, actor, reason: str = "") -> int:
    """Close every open work item of `case` as cancelled, because the case ended early
    (withdrawn by the resident, cancelled by staff); return how many were closed.

    One set-based UPDATE under the case's lock, inside the caller's transaction (the caller
    moves the case in the same one). Items already closed keep their outcome and note, so
    running it again closes nothing. The round is not joined: no decision was made, and the
    case's own move says why. `actor` is who ended the case (None for the system); `reason`
    is kept as the items' note for staff. The caller has checked that the actor may end it.
    """
    with transaction.atomic():
        locked = _lock_case(case)
        closed = WorkItem.objects.filter(case=locked, closed_at__isnull=True).update(
            outcome=WorkItemOutcome.CANCELLED,
            note=(reason or "").strip(),
            # Never before the item opened (the database holds closing after opening).
            closed_at=Greatest(Value(timezone.now()), F("opened_at")),
            closed_by=actor,
        )
    if closed:
        logger.info("Case %s: %s open work items cancelled with the case", case.pk, closed)
    return closed


def _join(*, case, round_: int) -> None:
    """Apply the workflow's join rule to `round_` of the locked `case`, if it is complete."""
    from cases.services import transition

    workflow = case.workflow
    join = workflow.work_items if workflow else None
    if join is None or case.status != join.status:
        return
    outcomes = list(
        WorkItem.objects.filter(case=case, round=round_).values_list("outcome", flat=True)
    )
    if "" in outcomes:
        return
    target = join.rejected if WorkItemOutcome.REJECTED in outcomes else join.approved
    if target:
        transition(case=case, to_status=target, actor=None)
        logger.info("Case %s joined round %s of its work items: %s", case.pk, round_, target)
