"""Celery tasks of the case engine: thin, named, safe to run twice."""

import datetime

from celery import shared_task

from cases.models import CaseDocument
from cases.services import stored_files_sweep

# An upload's file is written a moment before its row commits; a day is far beyond that.
SWEEP_GRACE = datetime.timedelta(days=1)


@shared_task(name="cases.sweep_orphaned_documents", ignore_result=True, acks_late=True)
def sweep_orphaned_documents() -> int:
    """Delete stored case documents whose row was never committed."""
    return stored_files_sweep(
        directory="cases", model=CaseDocument, field="file", older_than=SWEEP_GRACE
    )


@shared_task(name="cases.areas_reassign", ignore_result=True, acks_late=True)
def areas_reassign() -> int:
    """Place every open case in the area its location lies in now (only those that move)."""
    from cases.areas.locating import areas_reassign as reassign

    return reassign()


@shared_task(name="cases.escalate_overdue", ignore_result=True, acks_late=True)
def escalate_overdue() -> int:
    """Tell supervisors about overdue cases, once per case per stage."""
    from cases.escalations import escalations_run

    return escalations_run()
