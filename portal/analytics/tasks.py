"""Celery tasks of the analytics: thin, named, safe to run twice."""

from celery import shared_task


@shared_task(name="analytics.refresh_summaries", ignore_result=True, acks_late=True)
def refresh_summaries() -> float:
    """Rebuild the analytics summaries; return how many seconds it took."""
    from portal.analytics.refresh import summaries_refresh

    return summaries_refresh().seconds
