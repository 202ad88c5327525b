from celery import shared_task

from notifications.services import notifications_dispatch


@shared_task(name="notifications.dispatch_pending", ignore_result=True)
def dispatch_pending() -> int:
    """Send the notifications that are due; safe to run any number of times at once."""
    return notifications_dispatch()
