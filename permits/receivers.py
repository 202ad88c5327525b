"""Answers to the payments app's one signal: a paid application fee sends the permit
application. Each part of the app adds its own purposes here."""

from django.dispatch import receiver

from payments.models import Invoice, InvoiceStatus
from payments.signals import invoice_status_changed
from permits.services import apply


@receiver(invoice_status_changed, sender=Invoice, dispatch_uid="permits.invoice_status")
def invoice_status(sender, *, purpose, subject_id, old_status, new_status, **kwargs):
    if subject_id is None or not purpose.startswith("permits."):
        return
    if purpose == apply.PURPOSE_APPLICATION and new_status == InvoiceStatus.PAID:
        apply.permit_mark_paid(permit_id=subject_id)
