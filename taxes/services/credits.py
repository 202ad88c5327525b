"""Giving back a credit: what a payment brought beyond what its bill owed.

A credit arises when a bill is paid twice (the owner and the escrow lender both paid, or two
payments started before either settled): `checkout.bill_invoice_paid` keeps what is left over
on the payment's BillPayment. It goes back to whoever made that payment, through the
payments app's refund service and the payment's gateway (`refund_by_policy`), in full.

Once per credit: the CreditRefund row is UNIQUE per BillPayment, written and committed
before the gateway is asked, so a double click, a retried request or a clerk refunding the
credit the owner just refunded finds it and refunds nothing more. The gateway is called
outside any transaction (as the payments app requires), with one request key per credit
refund (`credit_refund_key`): asked again, the payments app finishes that request, never a
second. The payments app spreads the refund over the invoice's payments, one refund each;
every refund it recorded is kept on the row (made, pending, or refused), so what the credit
still owes its payer is always the credit less its refunds that succeeded or are pending.
The row is refunded once its refunds that succeeded come to the credit. If the gateway
refuses a part, at once or later through the retry task, the row is marked failed, the bill's
timeline says so (`BillEvent` "refund_failed", once per refused part), and it may be asked
again: that refunds only what is still owed, never a part already given back.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from cases import permissions
from payments.exceptions import RefundRefused
from payments.gateways import GatewayError
from payments.models import Invoice, Refund
from payments.models import RefundStatus as PaymentRefundStatus
from payments.services import refund_by_policy, refund_key
from payments.services.intents import REFUND_UNANSWERED
from taxes.exceptions import CreditNotRefundable
from taxes.models import BillEvent, BillEventKind, BillPayment, CreditRefund, CreditRefundStatus

logger = logging.getLogger(__name__)

POLICY = "taxes.credit"


def _claim(*, bill_payment_id: int, bill_id: int | None, actor, by_staff: bool):
    """Record the refund of the credit, once; return (row, invoice, cents still owed) or
    (None, None, 0) when it was already asked for (and has not failed).

    Asked again after a failure, the row keeps the refunds already recorded on it, and what
    is still owed is worked out under the row's lock, so two asks never both refund it."""
    with transaction.atomic(durable=True):
        found = BillPayment.objects.select_for_update().filter(pk=bill_payment_id)
        if bill_id is not None:
            found = found.filter(bill_id=bill_id)
        payment = found.first()
        if payment is None or payment.credit_cents <= 0:
            raise CreditNotRefundable(_("There is no credit to refund on this payment."))
        if not by_staff and payment.batch_id is not None:
            raise CreditNotRefundable(
                _("This credit is from the lender's payment: the tax office returns it to them.")
            )
        existing = CreditRefund.objects.select_for_update().filter(bill_payment=payment).first()
        if existing is not None:
            if existing.status != CreditRefundStatus.FAILED and not refused(existing):
                return None, None, 0
            existing.status, existing.failure = CreditRefundStatus.PENDING, ""
            existing.requested_by, existing.by_staff = actor, by_staff
            existing.save(
                update_fields=["status", "failure", "requested_by", "by_staff", "updated_at"]
            )
            row = existing
        else:
            try:
                with transaction.atomic():
                    row = CreditRefund.objects.create(
                        bill_payment=payment,
                        amount_cents=payment.credit_cents,
                        requested_by=actor,
                        by_staff=by_staff,
                    )
            except IntegrityError:  # asked for at the same instant: that one refunds
                return None, None, 0
        return row, Invoice.objects.get(pk=payment.invoice_id), owed(row)


def credits_refunded(*, invoice_id: int) -> list[int]:
    """Mark refunded the pending credit refunds on `invoice_id` whose refunds that succeeded
    come to the credit; return their ids.

    Only those: a batch's invoice carries several credits, and another refund of the
    invoice says nothing of this one's (a part refused before is not counted). Runs in the
    payments app's transaction (taxes.receivers), the invoice locked."""
    rows = CreditRefund.objects.filter(
        bill_payment__invoice_id=invoice_id, status=CreditRefundStatus.PENDING
    ).order_by("pk")
    done = [
        row.pk
        for row in rows
        if _carried(row).get(PaymentRefundStatus.SUCCEEDED, 0) >= row.amount_cents
    ]
    if done:
        CreditRefund.objects.filter(pk__in=done).update(status=CreditRefundStatus.REFUNDED)
    return done


def credit_refund_key(row: CreditRefund):
    """The payments app's key for the refund of `row`: one request per credit, so asking
    again (after a refusal, or after the process died once the gateway was asked) finishes
    that request and never refunds a part twice."""
    return refund_key(POLICY, "credit_refund", row.pk)


def carrying(row: CreditRefund):
    """The refunds that carry `row`: those kept on it, and those of its request in the
    payments app (kept on it only once the ask returned: a process that died after the
    payments app recorded them, or after the gateway made them, never wrote them here)."""
    return Refund.objects.filter(
        Q(pk__in=row.refund_ids) | Q(request__idempotency_key=credit_refund_key(row))
    )


def _carried(row: CreditRefund) -> dict[str, int]:
    """The cents of the row's refunds, by status."""
    return dict(
        carrying(row)
        .values("status")
        .annotate(cents=Sum("amount_cents"))
        .values_list("status", "cents")
    )


def owed(row: CreditRefund) -> int:
    """What the credit still owes its payer: the credit less its refunds that succeeded or
    are pending (a refused one gave nothing back)."""
    carried = _carried(row)
    standing = carried.get(PaymentRefundStatus.SUCCEEDED, 0) + carried.get(
        PaymentRefundStatus.PENDING, 0
    )
    return max(row.amount_cents - standing, 0)


def refused(row: CreditRefund) -> bool:
    """Has the gateway answered every refund of this pending credit refund, and refused some
    (the answer came after the request, through the retry task)?"""
    if row.status != CreditRefundStatus.PENDING:
        return False
    carried = _carried(row)
    return (
        bool(carried)
        and PaymentRefundStatus.PENDING not in carried
        and (carried.get(PaymentRefundStatus.SUCCEEDED, 0) < row.amount_cents)
    )


def _record(row: CreditRefund, refunds: list[Refund]) -> None:
    """Keep the refunds that carry `row` (with those of an earlier ask), and mark it refunded
    if the ones that succeeded come to the credit.

    The refunds are locked first, as the payments app locks them before announcing a refund
    (taxes.receivers then updates this row), so the answer is never missed: a refund the
    gateway completes meanwhile is seen succeeded here, or sees these ids there.
    """
    ids = sorted({*row.refund_ids, *(refund.pk for refund in refunds)})
    with transaction.atomic():
        carried = list(
            Refund.objects.select_for_update(no_key=True)
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("status", "amount_cents")
        )
        succeeded = sum(
            cents for status, cents in carried if status == PaymentRefundStatus.SUCCEEDED
        )
        CreditRefund.objects.filter(pk=row.pk).update(refund_ids=ids)
        if succeeded >= row.amount_cents:
            CreditRefund.objects.filter(pk=row.pk, status=CreditRefundStatus.PENDING).update(
                status=CreditRefundStatus.REFUNDED
            )


def credit_refund(
    *, bill_payment_id: int, bill_id: int | None = None, actor=None, by_staff: bool = False
) -> CreditRefund | None:
    """Refund the credit left on one payment of a bill, in full, to whoever paid it.

    The owner (or whoever opened the bill with its second factor) refunds a credit of a
    payment of the bill itself, `bill_id` given, so a BillPayment of another bill is never
    reached; staff (`by_staff`, with the refund role of cases/permissions.py) refund any
    credit, a lender's batch included. Must run outside a transaction (the gateway is asked
    after the refund is recorded). Returns the CreditRefund (refunded, or pending while the
    gateway has not answered), or None when the credit's refund was already asked for.

    Asked again after a failure, it refunds only what the credit still owes (`owed`): the
    parts the gateway gave back, or is still giving back, are never refunded twice.

    Raises CreditNotRefundable (no credit, a lender's credit asked by the owner, a member of
    staff without the refund role) and RefundRefused or GatewayError from the payments app
    (the CreditRefund is then marked failed, the refunds made before the refusal kept on it,
    and may be tried again for the rest).
    """
    if by_staff:
        permissions.require(
            actor,
            permissions.REFUND,
            exception=CreditNotRefundable,
            message=_("Your staff role does not allow refunds."),
        )
    row, invoice, cents = _claim(
        bill_payment_id=bill_payment_id, bill_id=bill_id, actor=actor, by_staff=by_staff
    )
    if row is None:
        return None
    refunds: list[Refund] = []
    if cents > 0:
        try:
            refunds = refund_by_policy(
                invoices=[invoice],
                amount_cents=cents,
                reason=_("Credit on tax bill %(number)s: paid twice")
                % {"number": row.bill_payment.bill.number},
                policy=POLICY,
                idempotency_key=credit_refund_key(row),
            )
        except (RefundRefused, GatewayError) as error:
            # The parts made before the refusal (and those left to the retry task) are kept,
            # so asking again refunds only the rest. Only a refund still pending: one settled
            # meanwhile (its refunds completed another way) keeps its state, as `_record`
            # writes only on a pending row too.
            made = getattr(error, "refunds", [])
            CreditRefund.objects.filter(pk=row.pk).update(
                refund_ids=sorted({*row.refund_ids, *(refund.pk for refund in made)})
            )
            with transaction.atomic():
                failed_now = CreditRefund.objects.filter(
                    pk=row.pk, status=CreditRefundStatus.PENDING
                ).update(status=CreditRefundStatus.FAILED, failure=str(error)[:255])
                if failed_now:
                    _refusal_on_timeline(row=row, error=error)
            logger.warning("Credit refund %s failed: %s", row.pk, error)
            raise
    _record(row, refunds)
    row.refresh_from_db()
    return row


def credit_refunds_failed(*, invoice_id: int, refund_id: int, failure: str) -> list[int]:
    """Mark failed, with why, the pending credit refunds on `invoice_id` carried by the
    refund `refund_id` that failed after it was asked for, once the gateway has answered
    every refund that carries each and some were refused (the retry task's call was
    refused, or given up); return their ids.

    Runs in the payments app's transaction (taxes.receivers), the invoice locked. Staff see
    the failure on the credits page, where the credit is listed to refund again. A credit
    refund failed already (a part refused at once) is left failed, and the bill's timeline
    says this part was refused too, once.
    """
    rows = [
        row
        for row in CreditRefund.objects.select_for_update()
        .filter(
            bill_payment__invoice_id=invoice_id,
            status__in=(CreditRefundStatus.PENDING, CreditRefundStatus.FAILED),
        )
        .order_by("pk")
        if carrying(row).filter(pk=refund_id).exists()
    ]
    failed = [row for row in rows if refused(row)]
    # Given up unanswered, the refund may have been made all the same: not called refused.
    unanswered = Refund.objects.filter(pk=refund_id, provider_status=REFUND_UNANSWERED).exists()
    why = (
        _("The payment service did not answer the refund: %(error)s")
        if unanswered
        else _("The payment service refused the refund: %(error)s")
    ) % {"error": failure}
    why = why[:255]
    for row in failed:
        CreditRefund.objects.filter(pk=row.pk, status=CreditRefundStatus.PENDING).update(
            status=CreditRefundStatus.FAILED, failure=why
        )
        _failure_on_timeline(row=row, refund_id=refund_id, failure=why)
        logger.warning("Credit refund %s failed after it was asked for: %s", row.pk, failure)
    for row in rows:
        if row.status == CreditRefundStatus.FAILED:
            # Failed already (another part was refused at once, `_refusal_on_timeline`), its
            # ask over: this part's failure is on the timeline too, with all still owed.
            _failure_on_timeline(row=row, refund_id=refund_id, failure=why)
    return [row.pk for row in failed]


def _refusal_on_timeline(*, row: CreditRefund, error: Exception) -> None:
    """Write on the bill's timeline a refusal that came at once, as one that comes later.

    A part the gateway refused has the key of a later refusal, so the payments app's own
    announcement of it (`credit_refunds_failed`, which writes it only once no other part is
    waiting) and this make one entry. A refusal by the payments app itself, with no refund
    made (less is left to refund than the credit), is keyed by the ask (the row's claim)."""
    refund_id = getattr(error, "refund_id", None)
    if refund_id is not None:
        why = _("The payment service refused the refund: %(error)s") % {"error": error}
        _failure_on_timeline(row=row, refund_id=refund_id, failure=why[:255])
        return
    _failure_on_timeline(
        row=row,
        refund_id=None,
        failure=str(error)[:255],
        key=f"refund-refused:{row.pk}:{row.updated_at.isoformat()}",
    )


def _failure_on_timeline(
    *, row: CreditRefund, refund_id: int | None, failure: str, key: str = ""
) -> None:
    """Write the failed refund on the bill's timeline, once per credit refund and refund (the
    key): what is still to refund, and the payment service's reason, which only staff read."""
    bill_id = BillPayment.objects.values_list("bill_id", flat=True).get(pk=row.bill_payment_id)
    event = BillEvent(
        bill_id=bill_id,
        kind=BillEventKind.REFUND_FAILED,
        key=key or f"refund-failed:{row.pk}:{refund_id}",
        data={
            "credit_refund": row.pk,
            "refund": refund_id,
            "cents": owed(row),
            "failure": failure,
            "unanswered": refund_id is not None
            and Refund.objects.filter(pk=refund_id, provider_status=REFUND_UNANSWERED).exists(),
        },
    )
    BillEvent.objects.bulk_create([event], ignore_conflicts=True)
