"""Who is acting on a case, in the workflow's terms (staff, applicant, system)."""

from cases import permissions
from cases.workflow import APPLICANT, STAFF, SYSTEM


def actor_role(*, case, actor, action: str = permissions.VIEW) -> str | None:
    """Return the role `actor` plays on `case`, or None if they have no part in it.

    `actor=None` is the system (a task, a payment receipt). The case's own applicant acts as
    applicant even if they are also staff: nobody moves their own case as a clerk would.
    A member of staff acts as staff only if their roles let them do `action` to this case
    (see cases/permissions.py): viewing it by default.
    """
    if actor is None:
        return SYSTEM
    if not actor.is_active:
        return None
    if case.applicant_id is not None and actor.pk == case.applicant_id:
        return APPLICANT
    if permissions.can(actor, action, case):
        return STAFF
    return None
