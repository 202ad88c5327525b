"""Answers to the payments app's one signal, for tax invoices, and to notifications' one
signal, for tax messages that were not delivered (a paper notice is flagged).

- A paid tax bill invoice is applied to its bill (penalties and interest first, then the
  oldest instalment), once per invoice, as of the day the payment was started.
- A paid bulk payer's invoice settles each bill of its batch by its row's amount, once.
- Either way, reminders still waiting to be sent for the instalments paid are withdrawn.
- A refund of a tax invoice marks the credit refunds it completes as refunded; one that
  failed after it was asked for marks the credit refunds it leaves short as failed.

And, not business logic: a save or delete of a penalty or discount rule or of a holiday
makes the cached schedule of the public bill pages stale (`selectors.schedule_cached`), at
once and again when the change commits (a page read in between may have cached the old one).

Runs in the payment's transaction, the invoice locked: only local writes here.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cases.service_levels import Holiday
from notifications.models import Notification
from notifications.signals import notification_undelivered
from payments.models import Invoice, InvoiceStatus
from payments.signals import invoice_status_changed
from taxes import selectors
from taxes.models import DiscountRule, PenaltyRule
from taxes.services import batches, checkout, credits, notices

_REFUNDED = (InvoiceStatus.PARTIALLY_REFUNDED, InvoiceStatus.REFUNDED)


@receiver(invoice_status_changed, sender=Invoice, dispatch_uid="taxes.invoice_status")
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
    if purpose not in (checkout.PURPOSE, batches.PURPOSE) or subject_id is None:
        return
    if failed_refund_id is not None:
        credits.credit_refunds_failed(
            invoice_id=invoice_id, refund_id=failed_refund_id, failure=refund_failure
        )
        return
    if new_status == InvoiceStatus.PAID and old_status != InvoiceStatus.PAID:
        invoice = Invoice.objects.only("pk", "created_at", "amount_paid_cents").get(pk=invoice_id)
        if purpose == batches.PURPOSE:
            batches.batch_invoice_paid(
                invoice_id=invoice.pk, batch_id=subject_id, started_at=invoice.created_at
            )
            return
        checkout.bill_invoice_paid(
            invoice_id=invoice.pk,
            bill_id=subject_id,
            amount_cents=invoice.amount_paid_cents,
            started_at=invoice.created_at,
        )
    elif new_status in _REFUNDED:
        credits.credits_refunded(invoice_id=invoice_id)


@receiver(notification_undelivered, sender=Notification, dispatch_uid="taxes.undelivered")
def message_undelivered(
    sender, *, notification_id, template_key, channel, to_address, context, reason, **kwargs
):
    notices.paper_notice_flag(
        notification_id=notification_id,
        template_key=template_key,
        channel=channel,
        to_address=to_address,
        context=context,
        reason=reason,
    )


@receiver(post_save, sender=PenaltyRule, dispatch_uid="taxes.penalty_saved")
@receiver(post_delete, sender=PenaltyRule, dispatch_uid="taxes.penalty_deleted")
@receiver(post_save, sender=DiscountRule, dispatch_uid="taxes.discount_saved")
@receiver(post_delete, sender=DiscountRule, dispatch_uid="taxes.discount_deleted")
@receiver(post_save, sender=Holiday, dispatch_uid="taxes.holiday_saved")
@receiver(post_delete, sender=Holiday, dispatch_uid="taxes.holiday_deleted")
def schedule_changed(sender, **kwargs):
    selectors.schedule_cache_clear()
    transaction.on_commit(selectors.schedule_cache_clear)
