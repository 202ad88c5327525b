"""The payments back office, by topic: invoices and the counter payment (`invoices`); payments,
refunds, review and reconciliation with CSV export (`payments`); refunds and receipts
(`receipts`); Stripe events (`stripe_events`).

Thin: every change goes through `payments.services`; the model forms are read-only.
Importing the package registers every model admin of the app.
"""

from payments.admin import invoices, payments, receipts, stripe_events  # noqa: F401
