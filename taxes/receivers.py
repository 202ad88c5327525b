"""Answers to the payments app's one signal, for tax bill invoices.

A paid tax bill invoice is applied to its bill (penalties and interest first, then the
oldest instalment), once per invoice, as of the day the payment was started. Runs in the
payment's transaction, the invoice locked: only local writes here.
"""

from django.dispatch import receiver

from payments.models import Invoice, InvoiceStatus
from payments.signals import invoice_status_changed
from taxes.services import checkout


@receiver(invoice_status_changed, sender=Invoice, dispatch_uid="taxes.invoice_status")
def invoice_status(sender, *, invoice_id, purpose, subject_id, old_status, new_status, **kwargs):
    if purpose != checkout.PURPOSE or subject_id is None:
        return
    if new_status == InvoiceStatus.PAID and old_status != InvoiceStatus.PAID:
        invoice = Invoice.objects.only("pk", "created_at", "amount_paid_cents").get(pk=invoice_id)
        checkout.bill_invoice_paid(
            invoice_id=invoice.pk,
            bill_id=subject_id,
            amount_cents=invoice.amount_paid_cents,
            started_at=invoice.created_at,
        )
