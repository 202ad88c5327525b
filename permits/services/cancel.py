"""Leaving before the end: the applicant withdraws an application before the permit is
issued (`permit_withdraw`), or staff cancel a permit at any open stage, with a reason the
applicant reads (`permit_cancel`).

Both move the case through the case engine's transition service (the moves are the
service's own, so no generic page makes them bare) and, in the same transaction:

- every plan review still open is closed as cancelled (`cases.work_items.work_items_cancel`),
  so it leaves the reviewers' queues and nobody decides it; decided reviews keep their decision;
- every inspection booked is cancelled and its place given back to the inspector's day;
- every fee not paid yet is voided: the permit fee waiting after plan review and any
  re-inspection fee (a draft's application invoice never gets here: a draft is discarded,
  `permit_discard`);
- fees already paid are kept. This is the refund rule the pages state: the application and
  plan-review fee paid for the review that was done, a paid permit fee or re-inspection fee
  for the permit and inspections given. Where the agency decides otherwise, staff refund a
  payment from the payments back office; these services never refund by themselves.

Locks: the permit's unpaid invoices first (in id order), then its case, then the permit, the
order a payment takes them (the invoice, then what it paid for), so cancelling never waits
crosswise for a payment of the same fee. A fee paid in the moment before is kept: a
withdrawal then finds the permit issued and is refused; a cancellation keeps the fee.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.actors import actor_role
from cases.models import Case
from cases.permissions import MOVE
from cases.work_items import work_items_cancel
from cases.workflow import APPLICANT, STAFF
from payments.models import Invoice, InvoiceStatus
from payments.services import invoice_lock, invoice_void
from permits import inspection_events as ev
from permits import workflow as wf
from permits.exceptions import CancelRefused
from permits.models import Inspection, InspectionStatus, Permit

logger = logging.getLogger(__name__)

# The longest reason kept (a few paragraphs at most).
REASON_MAX = 2000


def _open_invoices(permit: Permit) -> list[int]:
    """The ids of the permit's fees still open to pay: the permit fee and re-inspection fees
    (and a draft's application fee, for completeness)."""
    return list(
        Invoice.objects.filter(status=InvoiceStatus.OPEN)
        .filter(
            Q(permit_application__pk=permit.pk)
            | Q(permit_issuance__permit_id=permit.pk)
            | Q(permit_inspection__permit_id=permit.pk)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock(permit: Permit) -> tuple[Case, Permit]:
    for invoice_id in _open_invoices(permit):
        invoice_lock(invoice_id=invoice_id)
    case = Case.objects.select_for_update(of=("self",), no_key=True).get(pk=permit.case_id)
    locked = (
        Permit.objects.select_for_update(of=("self",), no_key=True)
        .select_related("permit_type")
        .get(pk=permit.pk)
    )
    locked.case = case
    return case, locked


def _void_unpaid(locked: Permit) -> int:
    """Void the permit's fees still open (locked already, or created under the case's lock
    since: a re-inspection fee is charged under it, so none can appear now)."""
    voided = 0
    for invoice in Invoice.objects.filter(pk__in=_open_invoices(locked)).order_by("pk"):
        invoice_void(invoice=invoice)
        voided += 1
    return voided


def _cancel_inspections(locked: Permit, *, case: Case, actor, by_staff: bool, reason: str) -> int:
    """Cancel every inspection booked on the permit and free its place (the case is locked)."""
    from permits.services.inspection_slots import seats_release
    from permits.services.inspections.common import _payload

    cancelled = 0
    booked = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("step")
        .filter(permit=locked, status=InspectionStatus.SCHEDULED)
        .order_by("pk")
    )
    for inspection in booked:
        seats_release(inspection)
        inspection.status = InspectionStatus.CANCELLED
        inspection.cancelled_at = timezone.now()
        inspection.cancel_reason = reason
        inspection.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        case_services.case_record_event(
            case=case,
            kind=ev.INSPECTION_CANCELLED,
            audience=ev.PARTICIPANTS,
            payload=_payload(inspection, by_staff=by_staff, reason=reason),
            actor=actor,
        )
        cancelled += 1
    return cancelled


def _reason(reason: str) -> str:
    return (reason or "").strip()[:REASON_MAX]


def permit_withdraw(*, permit: Permit, actor, reason: str = "") -> Permit:
    """The applicant withdraws the application before the permit is issued: the case moves
    to `withdrawn`, the plan reviews still open are closed, any inspection booked is
    cancelled and the fees not paid yet are voided (fees paid are kept: see the module).
    `reason`, optional, is kept for staff.

    Raises CancelRefused: not the applicant; the permit issued already, or the application
    closed; a draft (discarded instead).
    """
    reason = _reason(reason)
    with transaction.atomic():
        case, locked = _lock(permit)
        if actor is None or actor_role(case=case, actor=actor) != APPLICANT:
            raise CancelRefused(_("Only the applicant can withdraw this application."))
        if case.status == wf.DRAFT:
            raise CancelRefused(_("This application was not sent: discard the draft instead."))
        if case.status not in wf.WITHDRAWABLE:
            raise CancelRefused(
                _(
                    "This application can no longer be withdrawn: the permit is issued or the "
                    "application is closed. Contact the permit office to cancel a permit."
                )
            )
        reviews = work_items_cancel(case=case, actor=actor, reason=_("Application withdrawn"))
        inspections = _cancel_inspections(
            locked, case=case, actor=actor, by_staff=False, reason=_("Application withdrawn")
        )
        voided = _void_unpaid(locked)
        note = _("Reason given by the applicant: %(reason)s") % {"reason": reason} if reason else ""
        case_services.transition(case=case, to_status=wf.WITHDRAWN, actor=actor, note=note)
    logger.info(
        "Permit %s withdrawn (%s reviews, %s inspections cancelled, %s invoices voided)",
        locked.pk,
        reviews,
        inspections,
        voided,
    )
    _refresh(permit, case)
    return locked


def permit_cancel(*, permit: Permit, actor, reason: str) -> Permit:
    """Staff cancel the permit (or the application) at any open stage, saying why: the
    reason is on the applicant's status page and in the notice they get. Open plan reviews
    are closed, booked inspections cancelled and their places freed, and the fees not paid
    yet voided (fees paid are kept: see the module).

    Raises CancelRefused: no reason; the permit closed already (finaled, expired, cancelled,
    withdrawn) or a draft; an actor who may not move the permit's case (not staff of its
    department, or its own applicant).
    """
    reason = _reason(reason)
    if not reason:
        raise CancelRefused(_("Say why the permit is cancelled: the applicant reads it."))
    with transaction.atomic():
        case, locked = _lock(permit)
        if actor is None or actor_role(case=case, actor=actor, action=MOVE) != STAFF:
            raise CancelRefused(_("Only the permit office can cancel a permit."))
        if case.status not in wf.CANCELLABLE:
            raise CancelRefused(_("This permit is closed already and cannot be cancelled."))
        reviews = work_items_cancel(case=case, actor=actor, reason=reason)
        inspections = _cancel_inspections(
            locked, case=case, actor=actor, by_staff=True, reason=reason
        )
        voided = _void_unpaid(locked)
        case_services.transition(case=case, to_status=wf.CANCELLED, actor=actor, public_note=reason)
    logger.info(
        "Permit %s cancelled by staff (%s reviews, %s inspections cancelled, %s invoices voided)",
        locked.pk,
        reviews,
        inspections,
        voided,
    )
    _refresh(permit, case)
    return locked


def _refresh(permit: Permit, case: Case) -> None:
    """Bring the caller's permit and its loaded case up to date with the locked copies."""
    if permit.case is not case:
        permit.case.refresh_from_db()
