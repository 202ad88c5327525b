"""Celery tasks of concern reports: thin, named, safe to run twice."""

from celery import shared_task

from cases.services import stored_files_sweep
from cases.tasks import SWEEP_GRACE
from concerns.models import ConcernPhoto


@shared_task(name="concerns.sweep_orphaned_photos", ignore_result=True, acks_late=True)
def sweep_orphaned_photos() -> int:
    """Delete stored report photos whose row was never committed."""
    return stored_files_sweep(
        directory="concerns", model=ConcernPhoto, field="image", older_than=SWEEP_GRACE
    )
