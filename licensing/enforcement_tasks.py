"""Celery task of enforcement: the daily end of suspensions. Thin, named, safe to run twice.

Kept apart from licensing/tasks.py (renewals and reminders) and imported by the app's
ready(), so the worker registers it.
"""

from celery import shared_task

from licensing.services import suspensions_end


@shared_task(name="licensing.end_suspensions", ignore_result=True, acks_late=True)
def end_suspensions() -> int:
    """Give back their status to licenses whose suspensions have all ended."""
    return suspensions_end()
