"""Answers to the payments app's one signal (a paid application or renewal fee sends it), and
to allauth's e-mail verification (licenses without an account join the verified account)."""

from allauth.account.signals import email_confirmed
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


@receiver(email_confirmed, dispatch_uid="licensing.email_confirmed")
def link_licenses_on_verified_email(sender, *, request, email_address, **kwargs):
    """A verified address takes the licenses imported (or renewed by link) under it.

    allauth offers no other hook for "this person now controls this address"; the receiver
    only calls the service.
    """
    services.licenses_link_account(user=email_address.user, email=email_address.email)
