"""Every write of the payments app. Views, admin, tasks and other apps call these.

Split by topic (invoices, checkout attempts and settlement, refunds, Stripe webhooks,
receipts); import them from here. Each function is one transaction: the change, its receipt,
its notifications (outbox rows) and the `invoice_status_changed` signal commit or roll back
together. A refusal raises one of `payments.exceptions` and changes nothing.

Row locks are always taken in the same order (Stripe event, then invoice, then payment, then
gateway intent, then refund), so two writers never wait on each other in a cycle. No gateway
call is made inside a transaction or under a lock: see `intents`.
"""

from payments.services.attempts import (
    SettleOutcome,
    attempts_check_stale,
    payment_attempt_start,
    payment_expire,
    payment_fail,
    payment_local_complete,
    payment_record_counter,
    payment_refresh,
    payment_review_resolve,
    payment_settle,
)
from payments.services.claims import invoices_claim
from payments.services.intents import intent_run, intents_retry_pending
from payments.services.invoices import (
    LineItem,
    invoice_add_line,
    invoice_create,
    invoice_lock,
    invoice_void,
    invoices_expire_due,
)
from payments.services.receipts import receipt_email_send
from payments.services.refunds import (
    RefundRetry,
    refund_by_policy,
    refund_issue,
    refund_key,
    refund_retry,
)
from payments.services.webhooks import (
    webhook_event_apply,
    webhook_event_receive,
    webhook_event_record,
    webhook_events_apply_waiting,
)

__all__ = [
    "LineItem",
    "RefundRetry",
    "SettleOutcome",
    "attempts_check_stale",
    "intent_run",
    "intents_retry_pending",
    "invoice_add_line",
    "invoice_create",
    "invoice_lock",
    "invoice_void",
    "invoices_claim",
    "invoices_expire_due",
    "payment_attempt_start",
    "payment_expire",
    "payment_fail",
    "payment_local_complete",
    "payment_record_counter",
    "payment_refresh",
    "payment_review_resolve",
    "payment_settle",
    "receipt_email_send",
    "refund_by_policy",
    "refund_issue",
    "refund_key",
    "refund_retry",
    "webhook_event_apply",
    "webhook_event_receive",
    "webhook_event_record",
    "webhook_events_apply_waiting",
]
