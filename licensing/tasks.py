"""Licensing's daily jobs, run by Celery beat (see CELERY_BEAT_SCHEDULE in settings).

Thin: each calls one set-based service. They are safe to run twice, or in two workers at once:
the statements change only rows that still need it, and their unique keys refuse duplicates.
"""

from celery import shared_task

from licensing import services


@shared_task(name="licensing.expire_licenses", ignore_result=True, acks_late=True)
def expire_licenses() -> dict:
    """Expire licenses on their expiry date and lapse them after the grace period."""
    outcome = services.licenses_expire()
    return {"expired": outcome.expired, "lapsed": outcome.lapsed}
