"""Issuing permits: the remaining permit fee, the permit itself, its expiry, extensions and
the certificate of occupancy.

1. When the plan reviews approve the permit (`approved`), `permit_fee_invoice` invoices the
   permit fee less the plan-review share paid when applying, with the conditions the
   reviewers set. The review service calls it in the transaction that closes the last
   review (or approves a type without reviewing departments), under the case's lock; the
   one-to-one `PermitIssuance.permit` and `.invoice` keep it to one invoice per permit even
   so, and the invoice is issued once per issuance (`one_per_subject`), which the database
   keeps: an issuance that lost its link gets the invoice issued for it back, never a second.
   The task `permits.invoice_approved` is only a safety net: it invoices an approved
   permit left without an invoice by data that reached `approved` another way (rows from
   before this rule, a repair by hand), and finds nothing otherwise. A permit with nothing
   left to pay is issued at once.
2. Paying it (the payments receiver) issues the permit (`permit_issue`): its number (the
   type's prefix, year and sequence), issue date and expiry (the type's validity), and the
   case moves to `issued`. The permit card (permits/pdf.py) is drawn from these.
3. An issued permit expires when its validity passes without a passed inspection (each
   passed inspection restarts it): `permits_expire`, a set-based task.
4. The holder may ask for more time (`extension_request`); staff grant it, which also
   reinstates an expired permit, or refuse it (`extension_decide`).
"""

from __future__ import annotations

import datetime
import logging

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases.events import PAYMENT
from cases.models import Case
from cases.references import reference_allocate
from cases.services import case_record_event, transition
from payments.exceptions import InvoiceExists
from payments.services import LineItem, invoice_create
from permits import inspection_events as ev
from permits import workflow as wf
from permits.exceptions import IssuanceRefused
from permits.models import (
    CertificateOfOccupancy,
    Inspection,
    InspectionStatus,
    Permit,
    PermitExtension,
    PermitIssuance,
)

logger = logging.getLogger(__name__)

PURPOSE_PERMIT_FEE = "permits.permit_fee"


def _lock_case(permit: Permit) -> Case:
    # The same lock as the case engine's moves (no key update), so a service that holds it
    # already (the review that approves) takes it again without a stronger lock.
    return Case.objects.select_for_update(of=("self",), no_key=True).get(pk=permit.case_id)


def _lock_permit(permit_id: int) -> Permit:
    return (
        Permit.objects.select_for_update(of=("self",))
        .select_related("permit_type")
        .get(pk=permit_id)
    )


def review_conditions(permit: Permit) -> str:
    """The conditions of the reviews that approved with conditions, one department a
    paragraph (empty while the plan review keeps none)."""
    reviews = getattr(permit, "plan_reviews", None)
    if reviews is None:
        return ""
    rows = reviews.exclude(conditions="").select_related("work_item__department")
    return "\n\n".join(
        f"{row.work_item.department.name}: {row.conditions}" for row in rows.order_by("pk")
    )


def permit_fee_invoice(*, permit: Permit, conditions: str | None = None) -> PermitIssuance:
    """Invoice the approved permit's remaining fee (the permit fee less the plan-review share
    already paid), or issue it at once if nothing is left to pay.

    Idempotent: a permit invoiced already gets its issuance back unchanged. `conditions`
    replaces the reviewers' conditions printed on the card. Raises IssuanceRefused for a
    permit that is not approved.
    """
    with transaction.atomic():
        case = _lock_case(permit)
        permit = _lock_permit(permit.pk)
        permit.case = case
        issuance = PermitIssuance.objects.filter(permit=permit).first()
        if issuance is not None and (issuance.invoice_id or permit.issued_at):
            return issuance
        if case.status != wf.APPROVED:
            raise IssuanceRefused(_("Only an approved permit is invoiced for its permit fee."))
        if issuance is None:
            issuance = PermitIssuance.objects.create(
                permit=permit,
                conditions=review_conditions(permit) if conditions is None else conditions.strip(),
            )
        amount = permit.remaining_fee_cents
        if amount <= 0:
            _issue(permit, case, issuance)
            return issuance
        try:
            issuance.invoice = invoice_create(
                purpose=PURPOSE_PERMIT_FEE,
                description=_("Permit fee, %(type)s (%(reference)s)")
                % {"type": permit.permit_type.name, "reference": case.reference},
                lines=[
                    LineItem(_("Permit fee, less the plan-review fee paid when applying"), amount)
                ],
                payer=case.applicant,
                guest_name=case.guest_name if case.applicant_id is None else "",
                guest_email=case.guest_email if case.applicant_id is None else "",
                subject=issuance,
                one_per_subject=True,
            )
        except InvoiceExists as exists:
            # The issuance lost its link to the invoice issued for it (a repair by hand): the
            # database refuses a second one, so the permit keeps the first.
            logger.warning("Permit %s: its permit-fee invoice exists already", permit.pk)
            issuance.invoice = exists.existing
        issuance.save(update_fields=["invoice", "updated_at"])
    logger.info("Permit %s invoiced for its permit fee", permit.pk)
    return issuance


_APPROVED_UNINVOICED_SQL = """
SELECT p.id
  FROM permits_permit AS p
  JOIN cases_case AS c ON c.id = p.case_id
  LEFT JOIN permits_permitissuance AS i ON i.permit_id = p.id
 WHERE c.status = 'approved'
   AND p.issued_at IS NULL
   AND (i.id IS NULL OR i.invoice_id IS NULL)
 ORDER BY p.id
 LIMIT %s
"""


def permits_invoice_approved(*, limit: int = 200) -> int:
    """Invoice every approved permit still without its permit-fee invoice (a bounded batch);
    returns how many were invoiced or issued. Safe to run twice."""
    with connection.cursor() as cursor:
        cursor.execute(_APPROVED_UNINVOICED_SQL, [limit])
        ids = [row[0] for row in cursor.fetchall()]
    done = 0
    for permit in Permit.objects.filter(pk__in=ids).order_by("pk"):
        try:
            permit_fee_invoice(permit=permit)
            done += 1
        except IssuanceRefused:
            continue  # moved on since it was selected
    return done


def _issue(permit: Permit, case: Case, issuance: PermitIssuance) -> None:
    now = timezone.now()
    permit.permit_number = reference_allocate(prefix=permit.permit_type.number_prefix)
    permit.issued_at = now
    permit.expires_at = now + datetime.timedelta(days=permit.permit_type.validity_days)
    permit.save(update_fields=["permit_number", "issued_at", "expires_at", "updated_at"])
    transition(case=case, to_status=wf.ISSUED, actor=None)


def permit_fee_paid(*, issuance_id: int) -> Permit | None:
    """The permit fee was paid: issue the permit. A second call changes nothing. Returns the
    permit, or None if it was not waiting for its fee (cancelled since: staff refund it)."""
    with transaction.atomic():
        issuance = PermitIssuance.objects.select_related("permit").get(pk=issuance_id)
        case = _lock_case(issuance.permit)
        permit = _lock_permit(issuance.permit_id)
        permit.case = case
        if permit.issued_at is not None or case.status != wf.APPROVED:
            return None
        issuance.paid_at = timezone.now()
        issuance.save(update_fields=["paid_at", "updated_at"])
        case_record_event(
            case=case,
            kind=PAYMENT,
            audience=ev.PARTICIPANTS,
            payload={"amount_cents": permit.remaining_fee_cents, "what": "permit_fee"},
        )
        _issue(permit, case, issuance)
    logger.info("Permit %s issued as %s", permit.pk, permit.permit_number)
    return permit


# In-force permits past their expiry, a batch at a time, oldest expiry first.
_EXPIRED_SQL = """
SELECT p.id
  FROM permits_permit AS p
  JOIN cases_case AS c ON c.id = p.case_id
 WHERE c.status IN ('issued', 'inspections')
   AND p.expires_at <= %s
 ORDER BY p.expires_at, p.id
 LIMIT %s
"""


def permits_expire(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Expire every in-force permit whose validity has passed without a passed inspection
    (one statement selects them), freeing their booked inspections' places. Returns how
    many expired. Safe to run twice, or in two workers at once: each permit is moved under
    its case's lock, only if still in force and past its expiry."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_EXPIRED_SQL, [now, limit])
        ids = [row[0] for row in cursor.fetchall()]
    expired = 0
    for permit_id in ids:
        with transaction.atomic():
            permit = Permit.objects.get(pk=permit_id)
            case = _lock_case(permit)
            permit = _lock_permit(permit_id)
            if case.status not in wf.IN_FORCE or permit.expires_at > now:
                continue
            _cancel_booked(permit)
            transition(case=case, to_status=wf.EXPIRED, actor=None)
            expired += 1
    if expired:
        logger.info("%s permits expired", expired)
    return expired


def _cancel_booked(permit: Permit) -> None:
    from permits.services.inspection_slots import seats_release

    for inspection in Inspection.objects.select_for_update().filter(
        permit=permit, status=InspectionStatus.SCHEDULED
    ):
        seats_release(inspection)
        inspection.status = InspectionStatus.CANCELLED
        inspection.cancelled_at = timezone.now()
        inspection.cancel_reason = "Permit expired"
        inspection.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])


def extension_request(*, permit: Permit, actor, reason: str) -> PermitExtension:
    """The holder (or a guest with the permit's link, `actor=None`) asks for more time, with
    a reason. Raises IssuanceRefused for a permit not issued, finaled or closed, a request
    waiting already, or no reason."""
    reason = (reason or "").strip()
    if not reason:
        raise IssuanceRefused(_("Say why you need more time."))
    with transaction.atomic():
        case = _lock_case(permit)
        if actor is not None and case.applicant_id != actor.pk:
            raise IssuanceRefused(_("Only the permit's holder may ask for an extension."))
        if case.status not in (*wf.IN_FORCE, wf.EXPIRED):
            raise IssuanceRefused(_("Only an issued or expired permit can be extended."))
        if PermitExtension.objects.filter(
            permit=permit, status=PermitExtension.Status.REQUESTED
        ).exists():
            raise IssuanceRefused(
                _("Your request for an extension is waiting for a decision already.")
            )
        extension = PermitExtension.objects.create(permit=permit, reason=reason, requested_by=actor)
        case_record_event(
            case=case,
            kind=ev.PERMIT_EXTENSION,
            audience=ev.PARTICIPANTS,
            payload={"status": "requested"},
            actor=actor,
        )
    return extension


def extension_decide(
    *, extension: PermitExtension, actor, grant: bool, days: int | None = None
) -> PermitExtension:
    """Grant (`days` more, the type's validity unless given, from the later of today and the
    current expiry; an expired permit is reinstated) or refuse an extension request. `actor`
    is staff who decide in the permit's department. Raises IssuanceRefused or PermissionDenied.
    """
    permit = extension.permit
    with transaction.atomic():
        case = _lock_case(permit)
        permissions.require(actor, permissions.MOVE, case)
        permit = _lock_permit(permit.pk)
        locked = PermitExtension.objects.select_for_update().get(pk=extension.pk)
        if locked.status != PermitExtension.Status.REQUESTED:
            raise IssuanceRefused(_("This request was decided already."))
        now = timezone.now()
        locked.decided_at, locked.decided_by = now, actor
        if grant:
            days = days or permit.permit_type.validity_days
            if days < 1:
                raise IssuanceRefused(_("Grant at least one day."))
            locked.previous_expiry = permit.expires_at
            base = max(now, permit.expires_at or now)
            permit.expires_at = base + datetime.timedelta(days=days)
            permit.save(update_fields=["expires_at", "updated_at"])
            locked.status, locked.days, locked.new_expiry = (
                PermitExtension.Status.GRANTED,
                days,
                permit.expires_at,
            )
            if case.status == wf.EXPIRED:
                transition(case=case, to_status=wf.ISSUED, actor=actor)
        else:
            locked.status = PermitExtension.Status.REFUSED
        locked.save()
        payload = {"status": locked.status}
        if grant:
            payload["expires_on"] = timezone.localtime(permit.expires_at).date().isoformat()
        case_record_event(
            case=case,
            kind=ev.PERMIT_EXTENSION,
            audience=ev.PARTICIPANTS,
            payload=payload,
            actor=actor,
        )
    return locked


def certificate_issue(*, permit: Permit, inspection: Inspection) -> CertificateOfOccupancy:
    """Issue the certificate of occupancy of a finaled permit (once)."""
    certificate, _created = CertificateOfOccupancy.objects.get_or_create(
        permit=permit,
        defaults={"number": f"CO-{permit.permit_number}", "inspection": inspection},
    )
    return certificate
