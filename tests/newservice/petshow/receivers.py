from django.dispatch import receiver

from payments.models import Invoice, InvoiceStatus
from payments.signals import invoice_status_changed
from tests.newservice.petshow import services


@receiver(invoice_status_changed, sender=Invoice, dispatch_uid="petshow.invoice_status")
def invoice_status(sender, *, purpose, subject_id, new_status, **kwargs):
    if purpose == "petshow.entry_fee" and new_status == InvoiceStatus.PAID:
        services.entry_fee_paid(entry_id=subject_id)
