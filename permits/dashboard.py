"""The "My permits" section of the resident's dashboard (see portal/dashboard.py): the
person's permit applications and permits, each with its status in plain words and what is
still open and with whom (departments reviewing the plans, corrections asked, fees due), the
next inspection booked or to book, and links to act on them.

It reads a fixed number of queries however many permits the person has: the permits shown
(a LIMIT), then what is open on those few, one query per kind of thing, never one per permit.

Its `STAMP` (see portal/dashboard.py) takes the same permits, in the same order and with the
same LIMIT, and for each writes out everything the section shows of it that can change: the
permit, its case's status and dates, its type and the type's names (written out, not only
its timestamp, so a rename at a SQL prompt shows too), the reviews' decisions and
departments, its inspections, the invoices of its fees (paid, refunded, voided) and its
type's required inspections. A visit with nothing new renders the cached copy and reads none
of this.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, Q
from django.db.models.functions import Coalesce

from cases.models import Case, Department
from cases.work_items import WorkItem
from payments.models import PAYABLE_STATUSES, Invoice
from permits import workflow as wf
from permits.models import (
    Inspection,
    InspectionResult,
    InspectionStatus,
    InspectionStep,
    Permit,
    PermitIssuance,
    PermitType,
    PlanReview,
    ReviewDecision,
)
from portal.dashboard import Section

LIMIT = 5


@dataclass
class PermitStanding:
    """One permit as the dashboard shows it."""

    permit: Permit
    reviewing: list[str] = field(default_factory=list)  # departments reviewing the plans
    corrections: list[str] = field(default_factory=list)  # departments asking for changes
    fees_due: list[Invoice] = field(default_factory=list)
    next_inspection: Inspection | None = None  # booked
    to_book: InspectionStep | None = None  # the next required inspection, not booked yet

    @property
    def is_draft(self) -> bool:
        return self.permit.case.status == wf.DRAFT and self.permit.paid_at is None

    @property
    def in_force(self) -> bool:
        return self.permit.case.status in wf.IN_FORCE


@dataclass(frozen=True)
class MyPermits:
    shown: list[PermitStanding]  # open ones first, the latest news first
    more: bool  # whether the person has more than those


def permits_for_dashboard(*, user, limit: int) -> MyPermits | None:
    """`user`'s `limit` permits, the open ones first (the one whose case changed last
    first), with what is open on each; None if they have none. Six queries at most,
    whatever the number of permits."""
    if user is None or not user.is_authenticated:
        return None
    permits = list(
        Permit.objects.filter(case__applicant=user, discarded_at__isnull=True)
        .select_related("case", "permit_type")
        .order_by(F("case__closed_at").desc(nulls_first=True), "-case__updated_at", "-pk")[
            : limit + 1
        ]
    )
    if not permits:
        return None
    shown = {permit.pk: PermitStanding(permit=permit) for permit in permits[:limit]}
    ids = list(shown)
    _reviews(shown, ids)
    _fees(shown, ids)
    _inspections(shown, ids)
    return MyPermits(shown=list(shown.values()), more=len(permits) > limit)


def _reviews(shown: dict[int, PermitStanding], ids: list[int]) -> None:
    """Departments still reviewing, and those whose corrections wait for revised sheets."""
    waiting = [
        pk for pk in ids if shown[pk].permit.case.status in (wf.IN_REVIEW, wf.CORRECTIONS_REQUIRED)
    ]
    if not waiting:
        return
    reviews = (
        PlanReview.objects.filter(permit_id__in=waiting)
        .filter(Q(decided_at__isnull=True) | Q(decision=ReviewDecision.CORRECTIONS))
        .select_related("work_item__department")
        .order_by("permit_id", "-work_item__round", "work_item__department__name")
    )
    latest_round: dict[int, int] = {}
    for review in reviews:
        standing = shown[review.permit_id]
        name = review.work_item.department.name
        if review.is_open:
            standing.reviewing.append(name)
        elif standing.permit.case.status == wf.CORRECTIONS_REQUIRED:
            # Only the round that ended in the letter: earlier rounds' requests are answered.
            round_ = latest_round.setdefault(review.permit_id, review.work_item.round)
            if review.work_item.round == round_:
                standing.corrections.append(name)


def _fees(shown: dict[int, PermitStanding], ids: list[int]) -> None:
    """Every fee of the permits still to pay: application, permit and re-inspection fees."""
    invoices = (
        Invoice.objects.filter(status__in=PAYABLE_STATUSES)
        .filter(
            Q(permit_application__in=ids)
            | Q(permit_issuance__permit_id__in=ids)
            | Q(permit_inspection__permit_id__in=ids)
        )
        .annotate(
            for_permit=Coalesce(
                "permit_application__id",
                "permit_issuance__permit_id",
                "permit_inspection__permit_id",
            )
        )
        .order_by("created_at", "pk")
    )
    for invoice in invoices:
        standing = shown[invoice.for_permit]
        if not standing.is_draft:  # a draft's fee is paid at the end of its application
            standing.fees_due.append(invoice)


def _inspections(shown: dict[int, PermitStanding], ids: list[int]) -> None:
    """The inspection booked on each permit in force, or the next one to book."""
    in_force = [pk for pk in ids if shown[pk].in_force]
    if not in_force:
        return
    inspections = (
        Inspection.objects.filter(permit_id__in=in_force)
        .filter(Q(status=InspectionStatus.SCHEDULED) | Q(result=InspectionResult.PASSED))
        .select_related("step")
    )
    passed: dict[int, set[int]] = {pk: set() for pk in in_force}
    for inspection in inspections:
        if inspection.status == InspectionStatus.SCHEDULED:
            shown[inspection.permit_id].next_inspection = inspection
        else:
            passed[inspection.permit_id].add(inspection.step_id)
    types = {shown[pk].permit.permit_type_id for pk in in_force}
    steps: dict[int, list[InspectionStep]] = {}
    for step in InspectionStep.objects.filter(permit_type_id__in=types):
        steps.setdefault(step.permit_type_id, []).append(step)
    for pk in in_force:
        standing = shown[pk]
        if standing.next_inspection is None:
            standing.to_book = next(
                (
                    step
                    for step in steps.get(standing.permit.permit_type_id, [])
                    if step.pk not in passed[pk]
                ),
                None,
            )


def _table(model) -> str:
    return model._meta.db_table


# The permits `permits_for_dashboard` lists (and the one more that says there are more), each
# written out with what the section shows of it.
STAMP = f"""
    SELECT string_agg(concat_ws(
               ',', p.id, p.updated_at, p.permit_number, p.address, c.status, c.updated_at,
               c.closed_at, t.updated_at, t.name, t.name_es,
               (SELECT string_agg(concat_ws(':', r.id, r.decision, r.decided_at, d.name), ';'
                                  ORDER BY r.id)
                  FROM {_table(PlanReview)} AS r
                  JOIN {_table(WorkItem)} AS w ON w.id = r.work_item_id
                  JOIN {_table(Department)} AS d ON d.id = w.department_id
                 WHERE r.permit_id = p.id),
               (SELECT string_agg(concat_ws(':', i.id, i.status, i.result, i.day, i.period,
                                            i.updated_at), ';' ORDER BY i.id)
                  FROM {_table(Inspection)} AS i
                 WHERE i.permit_id = p.id),
               (SELECT string_agg(concat_ws(':', v.id, v.status, v.total_cents,
                                            v.amount_paid_cents, v.amount_refunded_cents,
                                            v.updated_at), ';' ORDER BY v.id)
                  FROM {_table(Invoice)} AS v
                 WHERE v.id = p.invoice_id
                    OR v.id IN (SELECT s.invoice_id FROM {_table(PermitIssuance)} AS s
                                 WHERE s.permit_id = p.id)
                    OR v.id IN (SELECT f.fee_invoice_id FROM {_table(Inspection)} AS f
                                 WHERE f.permit_id = p.id)),
               (SELECT string_agg(concat_ws(':', s.id, s."order", s.name, s.name_es), ';'
                                  ORDER BY s.id)
                  FROM {_table(InspectionStep)} AS s
                 WHERE s.permit_type_id = p.permit_type_id)
           ), '|' ORDER BY p.id)
      FROM (SELECT p.id, p.updated_at, p.permit_number, p.address, p.invoice_id, p.case_id,
                   p.permit_type_id
              FROM {_table(Permit)} AS p
              JOIN {_table(Case)} AS c ON c.id = p.case_id
             WHERE c.applicant_id = %(user)s AND p.discarded_at IS NULL
             ORDER BY c.closed_at DESC NULLS FIRST, c.updated_at DESC, p.id DESC
             LIMIT {LIMIT + 1}) AS p
      JOIN {_table(Case)} AS c ON c.id = p.case_id
      JOIN {_table(PermitType)} AS t ON t.id = p.permit_type_id
"""  # noqa: S608 (tables from the models, the limit a constant, the person a parameter)


SECTION = Section(
    key="permits.permits",
    template="permits/_dashboard_permits.html",
    read=permits_for_dashboard,
    limit=LIMIT,
    # After the licenses, before the payments.
    order=25,
    stamp=STAMP,
)
