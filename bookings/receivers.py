"""Answers to the payments app's one signal, for bookings' invoices.

A paid booking invoice confirms its held booking (or, if the hold had ended, has the payment
refunded); an invoice that expired or was cancelled unpaid closes the booking's case; every
refund keeps the booking's refunded total; a refund the gateway refused after it was asked for
is written on the booking's timeline for staff. Runs in the payment's transaction, the invoice
locked: only local writes here, refunds and messages after commit.
"""

from django.dispatch import receiver

from bookings.services import checkout, refunds
from payments.models import Invoice, InvoiceStatus
from payments.signals import invoice_status_changed

_REFUNDED = (InvoiceStatus.PARTIALLY_REFUNDED, InvoiceStatus.REFUNDED)


@receiver(invoice_status_changed, sender=Invoice, dispatch_uid="bookings.invoice_status")
def invoice_status(
    sender,
    *,
    invoice_id,
    purpose,
    subject_id,
    old_status,
    new_status,
    failed_refund_id=None,
    refund_failure="",
    **kwargs,
):
    if subject_id is None or purpose not in (checkout.PURPOSE, checkout.PURPOSE_CHANGE):
        return
    if failed_refund_id is not None:
        refunds.booking_refund_failed(
            booking_id=subject_id, refund_id=failed_refund_id, failure=refund_failure
        )
        return
    if new_status in _REFUNDED:
        checkout.booking_refunds_changed(booking_id=subject_id)
    if purpose != checkout.PURPOSE:
        return
    if new_status == InvoiceStatus.PAID and old_status != InvoiceStatus.PAID:
        checkout.booking_confirm_paid(booking_id=subject_id, invoice_id=invoice_id)
    elif new_status in (InvoiceStatus.EXPIRED, InvoiceStatus.VOID):
        checkout.booking_payment_closed(booking_id=subject_id)
