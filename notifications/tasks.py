from celery import shared_task

from notifications.services import notifications_dispatch, reminders_run


@shared_task(name="notifications.dispatch_pending", ignore_result=True)
def dispatch_pending() -> int:
    """Send the notifications that are due; safe to run any number of times at once."""
    return notifications_dispatch()


@shared_task(name="notifications.run_reminders", ignore_result=True, acks_late=True)
def run_reminders() -> dict:
    """Queue the reminders every active rule has due today; safe to run twice."""
    outcomes = reminders_run()
    return {
        "rules": len(outcomes),
        "fired": sum(outcome.fired for outcome in outcomes),
        "emails": sum(outcome.emails for outcome in outcomes),
        "sms": sum(outcome.sms for outcome in outcomes),
        "in_app": sum(outcome.in_app for outcome in outcomes),
    }
