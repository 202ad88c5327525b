"""Row locks and the status announcement shared by the payments services."""

from __future__ import annotations

import logging

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext

from cases import permissions
from payments.models import Invoice, Payment
from payments.signals import invoice_status_changed

logger = logging.getLogger("payments")


def lock_invoice(invoice_id: int) -> Invoice:
    """Lock and return the invoice (with its payer, read, not locked). Always taken before
    its payments' locks."""
    return (
        Invoice.objects.select_related("payer")
        .select_for_update(of=("self",), no_key=True)
        .get(pk=invoice_id)
    )


def lock_payment(payment_id: int) -> Payment:
    return Payment.objects.select_for_update(of=("self",), no_key=True).get(pk=payment_id)


def announce(
    invoice: Invoice,
    *,
    old_status: str,
    failed_refund_id: int | None = None,
    refund_failure: str = "",
) -> None:
    """Send `invoice_status_changed` for `invoice` (inside the caller's transaction); with
    `failed_refund_id`, for a refund of it that failed after it was asked for."""
    subject_type = ""
    if invoice.subject_type_id is not None:
        # From the content types' cache: no query.
        kind = ContentType.objects.get_for_id(invoice.subject_type_id)
        subject_type = kind.app_label + "." + kind.model
    invoice_status_changed.send(
        sender=Invoice,
        invoice_id=invoice.pk,
        reference=invoice.reference,
        purpose=invoice.purpose,
        subject_type=subject_type,
        subject_id=invoice.subject_id,
        old_status=old_status,
        new_status=invoice.status,
        amount_paid_cents=invoice.amount_paid_cents,
        amount_refunded_cents=invoice.amount_refunded_cents,
        failed_refund_id=failed_refund_id,
        refund_failure=refund_failure,
    )
    logger.info("Invoice %s: %s -> %s", invoice.pk, old_status, invoice.status)


def require_role(user, action: str, *, exception: type[Exception]) -> None:
    """Raise `exception` unless `user`'s staff role allows `action` on the agency's money
    (cases/permissions.py: taking a payment, refunding)."""
    permissions.require(
        user,
        action,
        exception=exception,
        message=gettext("Only active staff whose role allows it can do this."),
    )
