"""Answers to the payments app's one signal: a paid application fee sends the application."""

from django.dispatch import receiver

from licensing import services
from payments.models import Invoice, InvoiceStatus
from payments.signals import invoice_status_changed


@receiver(invoice_status_changed, sender=Invoice, dispatch_uid="licensing.invoice_status")
def invoice_status(sender, *, purpose, subject_id, old_status, new_status, **kwargs):
    if purpose != services.PURPOSE_APPLICATION or subject_id is None:
        return
    if new_status == InvoiceStatus.PAID and old_status == InvoiceStatus.OPEN:
        services.application_mark_paid(application_id=subject_id)
