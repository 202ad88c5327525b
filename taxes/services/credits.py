"""Giving back a credit: what a payment brought beyond what its bill owed.

A credit arises when a bill is paid twice (the owner and the escrow lender both paid, or two
payments started before either settled): `checkout.bill_invoice_paid` keeps what is left over
on the payment's BillPayment. It goes back to whoever made that payment, through the
payments app's refund service and the payment's gateway (`refund_by_policy`), in full.

Once per credit: the CreditRefund row is UNIQUE per BillPayment, written and committed before
the gateway is asked, so a double click, a retried request or a clerk refunding the credit
the owner just refunded finds it and refunds nothing more. The gateway is called outside any
transaction (as the payments app requires); if it refuses, the row is marked failed and the
credit may be refunded again. The payments app's refunds are kept on the row: it is refunded
once they all succeeded, and may be asked again once the gateway refused them all, even when
that answer came later, through the retry task.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases import permissions
from payments.exceptions import RefundRefused
from payments.gateways import GatewayError
from payments.models import Invoice, Refund
from payments.models import RefundStatus as PaymentRefundStatus
from payments.services import refund_by_policy
from taxes.exceptions import CreditNotRefundable
from taxes.models import BillPayment, CreditRefund, CreditRefundStatus

logger = logging.getLogger(__name__)

POLICY = "taxes.credit"


def _claim(*, bill_payment_id: int, bill_id: int | None, actor, by_staff: bool):
    """Record the refund of the credit, once; return (row, invoice) or (None, None) when it
    was already asked for (and has not failed)."""
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
            if existing.status != CreditRefundStatus.FAILED and not _all_failed(existing):
                return None, None
            existing.status, existing.failure = CreditRefundStatus.PENDING, ""
            existing.requested_by, existing.by_staff = actor, by_staff
            existing.refund_ids = []
            existing.save(
                update_fields=[
                    "status",
                    "failure",
                    "requested_by",
                    "by_staff",
                    "refund_ids",
                    "updated_at",
                ]
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
                return None, None
        return row, Invoice.objects.get(pk=payment.invoice_id)


def _all_failed(row: CreditRefund) -> bool:
    """Did the gateway refuse every refund that carries this pending credit refund (its
    answer came after the request, through the retry task)?"""
    if row.status != CreditRefundStatus.PENDING or not row.refund_ids:
        return False
    statuses = set(Refund.objects.filter(pk__in=row.refund_ids).values_list("status", flat=True))
    return statuses == {PaymentRefundStatus.FAILED}


def _record(row: CreditRefund, refunds: list[Refund]) -> None:
    """Keep the refunds that carry `row`, and mark it refunded if they all succeeded.

    The refunds are locked first, as the payments app locks them before announcing a refund
    (taxes.receivers then updates this row), so the answer is never missed: a refund the
    gateway completes meanwhile is seen succeeded here, or sees these ids there.
    """
    ids = sorted(refund.pk for refund in refunds)
    with transaction.atomic():
        statuses = list(
            Refund.objects.select_for_update(no_key=True)
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("status", flat=True)
        )
        done = bool(ids) and all(status == PaymentRefundStatus.SUCCEEDED for status in statuses)
        CreditRefund.objects.filter(pk=row.pk, status=CreditRefundStatus.PENDING).update(
            refund_ids=ids,
            **({"status": CreditRefundStatus.REFUNDED} if done else {}),
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

    Raises CreditNotRefundable (no credit, a lender's credit asked by the owner, a member of
    staff without the refund role) and RefundRefused or GatewayError from the payments app
    (the CreditRefund is then marked failed, and may be tried again).
    """
    if by_staff:
        permissions.require(
            actor,
            permissions.REFUND,
            exception=CreditNotRefundable,
            message=_("Your staff role does not allow refunds."),
        )
    row, invoice = _claim(
        bill_payment_id=bill_payment_id, bill_id=bill_id, actor=actor, by_staff=by_staff
    )
    if row is None:
        return None
    try:
        refunds = refund_by_policy(
            invoice=invoice,
            amount_cents=row.amount_cents,
            reason=_("Credit on tax bill %(number)s: paid twice")
            % {"number": row.bill_payment.bill.number},
            policy=POLICY,
        )
    except (RefundRefused, GatewayError) as error:
        # Only a refund still pending: one settled meanwhile (its refunds completed another
        # way) keeps its state, as `_record` writes only on a pending row too.
        CreditRefund.objects.filter(pk=row.pk, status=CreditRefundStatus.PENDING).update(
            status=CreditRefundStatus.FAILED, failure=str(error)[:255]
        )
        logger.warning("Credit refund %s failed: %s", row.pk, error)
        raise
    _record(row, refunds)
    row.refresh_from_db()
    return row


def credit_refunds_failed(*, invoice_id: int, refund_id: int, failure: str) -> list[int]:
    """Mark failed, with why, the pending credit refunds on `invoice_id` carried by the
    refund `refund_id` that failed after it was asked for, once every refund that carries
    each has failed (the retry task's call was refused, or given up); return their ids.

    Runs in the payments app's transaction (taxes.receivers), the invoice locked. Staff see
    the failure on the credits page, where the credit is listed to refund again.
    """
    rows = list(
        CreditRefund.objects.select_for_update()
        .filter(
            bill_payment__invoice_id=invoice_id,
            status=CreditRefundStatus.PENDING,
            refund_ids__contains=[refund_id],
        )
        .order_by("pk")
    )
    failed = [row for row in rows if _all_failed(row)]
    why = (_("The payment service refused the refund: %(error)s") % {"error": failure})[:255]
    for row in failed:
        CreditRefund.objects.filter(pk=row.pk, status=CreditRefundStatus.PENDING).update(
            status=CreditRefundStatus.FAILED, failure=why
        )
        logger.warning("Credit refund %s failed after it was asked for: %s", row.pk, failure)
    return [row.pk for row in failed]
