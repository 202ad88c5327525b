"""Answers to the payments app's one signal (payments/RECEIVERS.md).

- The permit fee (`permits.permit_fee`) paid: the permit is issued.
- A re-inspection fee (`permits.reinspection_fee`) needs no answer: the booking page reads
  whether the fee is still unpaid.
"""

from django.dispatch import receiver

from payments.models import Invoice, InvoiceStatus
from payments.signals import invoice_status_changed
from permits.services import issuance


@receiver(invoice_status_changed, sender=Invoice, dispatch_uid="permits.issuance_invoice_status")
def permit_fee_status(sender, *, purpose, subject_id, old_status, new_status, **kwargs):
    if purpose != issuance.PURPOSE_PERMIT_FEE or subject_id is None:
        return
    if new_status == InvoiceStatus.PAID and old_status != InvoiceStatus.PAID:
        issuance.permit_fee_paid(issuance_id=subject_id)
