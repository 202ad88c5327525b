"""Every write of the notifications app: queue, dispatch, remind, read and unsubscribe.

Sending is an outbox. `notification_send` only inserts rows, inside the caller's transaction,
so a message exists if and only if the change it announces was committed. The dispatcher
(`notifications_dispatch`, run by Celery) sends them afterwards, retries failures and survives
workers that die half way. Import from here, not from the submodules.
"""

from notifications.services.delivery_status import notification_delivery_record
from notifications.services.dispatch import notifications_dispatch, retry_delay
from notifications.services.inbox import notification_mark_read
from notifications.services.outbox import (
    bulk_enqueue_params,
    bulk_enqueue_sql,
    notification_send,
    notifications_retry,
    notifications_withdraw,
)
from notifications.services.reminders import ReminderOutcome, reminder_rule_run, reminders_run
from notifications.services.sms_opt_out import sms_opt_in, sms_opt_out, sms_reply_receive
from notifications.services.unsubscribe import (
    email_opt_out,
    unsubscribe,
    unsubscribe_by_token,
)

__all__ = [
    "ReminderOutcome",
    "bulk_enqueue_params",
    "bulk_enqueue_sql",
    "email_opt_out",
    "notification_delivery_record",
    "notification_mark_read",
    "notification_send",
    "notifications_dispatch",
    "notifications_retry",
    "notifications_withdraw",
    "reminder_rule_run",
    "reminders_run",
    "retry_delay",
    "sms_opt_in",
    "sms_opt_out",
    "sms_reply_receive",
    "unsubscribe",
    "unsubscribe_by_token",
]
