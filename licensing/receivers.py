"""Answers to the payments app's one signal (a paid application or renewal fee sends it).

Licenses without an account join the account that verifies their holder's address through
cases.claims (registered in LicensingConfig.ready), not through a receiver of their own."""

from django.dispatch import receiver

from licensing import services
from payments.models import Invoice, InvoiceStatus
from payments.signals import invoice_status_changed


@receiver(invoice_status_changed, sender=Invoice, dispatch_uid="licensing.invoice_status")
def invoice_status(sender, *, purpose, subject_id, old_status, new_status, **kwargs):
    if subject_id is None or not (
        new_status == InvoiceStatus.PAID and old_status == InvoiceStatus.OPEN
    ):
        return
    if purpose == services.PURPOSE_APPLICATION:
        services.application_mark_paid(application_id=subject_id)
    elif purpose == services.PURPOSE_RENEWAL:
        services.renewal_mark_paid(application_id=subject_id)
