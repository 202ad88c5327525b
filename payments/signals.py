"""The one signal through which payments tells the rest of the portal about an invoice.

``invoice_status_changed`` is sent whenever an invoice's status changes: paid, partially
refunded, refunded, expired or void (cancelled); also for a further part payment or partial
refund, and for a refund of the invoice that failed (`failed_refund_id`), with
``old_status == new_status`` then. The payments app never imports a domain app;
the app that asked for the invoice answers this signal in its ``receivers.py`` by calling one
of its own services (see payments/RECEIVERS.md for a worked example).

Sent with ``sender=payments.models.Invoice`` and these keyword arguments:

    invoice_id         int, the invoice's primary key
    reference          str, the invoice's reference (``INV-2026-000042``)
    purpose            str, what the invoice pays for, as its creator set it
                       (``"licensing.application_fee"``): filter on your app's prefix
    subject_type       str, ``"app_label.model"`` of the row it pays for, or "" if none
    subject_id         int | None, that row's primary key
    old_status         str, an ``InvoiceStatus`` value
    new_status         str, an ``InvoiceStatus`` value
    amount_paid_cents      int
    amount_refunded_cents  int
    failed_refund_id       int | None, a refund of the invoice the gateway refused (or that
                           was given up) after it was asked for: a Refund now ``failed``,
                           its amount refundable again; None for every other change
    refund_failure         str, why that refund failed (the gateway's error), or ""

Guarantees:

* It is sent inside the transaction that changed the invoice, while the invoice row is
  locked: whatever a receiver writes commits or rolls back together with the payment, so an
  invoice is never paid while the booking it pays for stays unconfirmed. A receiver that
  raises rolls the whole change back (a Stripe webhook is then retried by Stripe), so a
  receiver must only refuse when the change truly cannot stand.
* It is sent once per actual change: replayed webhooks, double clicks and repeated tasks
  change nothing and send nothing.
* Receivers must be quick and must not call other systems; schedule such work with
  ``transaction.on_commit``.
"""

from django.dispatch import Signal

invoice_status_changed = Signal()
