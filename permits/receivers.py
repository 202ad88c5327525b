"""Answers to the payments app's one signal: a paid application fee sends the permit
application. Each part of the app adds its own purposes here.

- The permit fee (`permits.permit_fee`) paid: the permit is issued.
- A re-inspection fee (`permits.reinspection_fee`) needs no answer: the booking page reads
  whether the fee is still unpaid.
"""

from django.dispatch import receiver

from payments.models import Invoice, InvoiceStatus
from payments.signals import invoice_status_changed
from permits.services import apply, issuance


@receiver(invoice_status_changed, sender=Invoice, dispatch_uid="permits.invoice_status")
def invoice_status(sender, *, purpose, subject_id, old_status, new_status, **kwargs):
    if subject_id is None or not purpose.startswith("permits."):
        return
    if purpose == apply.PURPOSE_APPLICATION and new_status == InvoiceStatus.PAID:
        apply.permit_mark_paid(permit_id=subject_id)
    elif (
        purpose == issuance.PURPOSE_PERMIT_FEE
        and new_status == InvoiceStatus.PAID
        and old_status != InvoiceStatus.PAID
    ):
        issuance.permit_fee_paid(issuance_id=subject_id)
