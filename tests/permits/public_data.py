"""Permits at each public stage, for the public pages' and open data's tests."""

import datetime
import itertools

from django.utils import timezone

from cases.services import transition
from cases.work_items import work_item_complete, work_item_open
from permits import workflow
from permits.models import Permit
from tests.accounts.factories import StaffFactory, UserFactory
from tests.permits.factories import PermitFactory, department

APPLICANT_NAME = "Rosalind Privateperson"
APPLICANT_EMAIL = "rosalind.private@example.org"
APPLICANT_PHONE = "+12025550143"


_applicants = itertools.count()


def sent_permit(**fields) -> Permit:
    """A sent application whose applicant has a name, e-mail address, phone and answers that
    must never reach a public page."""
    applicant = UserFactory(
        full_name=APPLICANT_NAME, email=f"{next(_applicants)}.{APPLICANT_EMAIL}"
    )
    fields.setdefault("answers", {"basement": "Secret basement answer"})
    return PermitFactory(applicant=applicant, submit=True, **fields)


def reviewed(permit: Permit, *, outcomes: dict[str, str | None]) -> Permit:
    """Send the plans for review by the departments named (code -> "approved", "rejected" or
    None for a review still open)."""
    transition(case=permit.case, to_status=workflow.IN_REVIEW, actor=None)
    reviewer = StaffFactory(roles=["supervisor"])
    items = [
        work_item_open(
            case=permit.case, department=department(code), title=f"{code} review", actor=None
        )
        for code in outcomes
    ]
    for item, outcome in zip(items, outcomes.values(), strict=True):
        if outcome:
            work_item_complete(item=item, outcome=outcome, actor=reviewer)
    permit.case.refresh_from_db()
    return permit


def issued(permit: Permit, *, number: str, on: datetime.date | None = None) -> Permit:
    """Review, approve and issue `permit` under `number`."""
    reviewed(permit, outcomes={"BUILDING": "approved"})
    issued_at = timezone.make_aware(
        datetime.datetime.combine(on or timezone.localdate(), datetime.time(10))
    )
    Permit.objects.filter(pk=permit.pk).update(
        permit_number=number,
        issued_at=issued_at,
        expires_at=issued_at + datetime.timedelta(days=180),
    )
    transition(case=permit.case, to_status=workflow.ISSUED, actor=None)
    permit.refresh_from_db()
    permit.case.refresh_from_db()
    return permit
