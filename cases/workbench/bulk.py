"""Bulk actions of the "My work" queue: assign, change status, send a templated message.

Each selected case is worked in its own transaction, through the case engine's one service
for the change (`case_assign`, `transition`, `case_message_resident`), so a case either
changes completely or not at all, and one refused case never stops the others. Before each
change the case row is locked and compared with the version the person's page showed: a case
that changed meanwhile (moved, reassigned) is refused with its current state, never acted on
blindly. The outcome lists which cases changed and, for the others, why not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext

from cases import permissions, services
from cases.exceptions import (
    ActionForbidden,
    CaseError,
    InvalidAssignee,
    TransitionForbidden,
    TransitionNotAllowed,
    TransitionRefused,
)
from cases.models import Case, CaseMessage
from cases.workbench.models import MessageTemplate
from cases.workbench.queue import case_version, cases_selected


@dataclass(frozen=True)
class Refusal:
    reference: str
    reason: str
    # The case as it stands now (its status and assignee), when the person may see it.
    status: str = ""
    assignee: str = ""


@dataclass
class BulkOutcome:
    done: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


@dataclass(frozen=True)
class Selected:
    """One ticked case: its id and the version the page showed."""

    case_id: int
    version: str


def _current(case: Case) -> dict:
    return {
        "status": str(case.status_label),
        "assignee": str(case.assignee) if case.assignee_id else gettext("nobody"),
    }


def _refuse(outcome: BulkOutcome, case: Case, reason: str) -> None:
    outcome.refused.append(Refusal(reference=case.reference, reason=reason, **_current(case)))


def _each(*, actor, selected: list[Selected], change) -> BulkOutcome:
    """Run `change(case)` on every selected case `actor` may see, each in its own
    transaction with the case row locked; refuse a case changed since the page was shown
    and one whose change the engine refuses (its message is the reason)."""
    outcome = BulkOutcome()
    cases = cases_selected(user=actor, ids=[item.case_id for item in selected])
    missing = [item for item in selected if item.case_id not in cases]
    # Locks are taken one case at a time, in primary-key order (as every other bulk write
    # in the engine), so two people's bulk actions never wait on each other in a circle.
    for item in sorted(selected, key=lambda item: item.case_id):
        case = cases.get(item.case_id)
        if case is None:
            continue
        try:
            with transaction.atomic():
                locked = (
                    Case.objects.select_for_update(of=("self",), no_key=True)
                    .select_related("applicant", "assignee")
                    .get(pk=case.pk)
                )
                if case_version(locked) != item.version:
                    _refuse(
                        outcome,
                        locked,
                        gettext("It changed after your page was shown; nothing was done."),
                    )
                    continue
                change(locked)
        except CaseError as error:
            _refuse(outcome, case, _reason(error))
        except ValueError as error:
            _refuse(outcome, case, str(error))
        else:
            outcome.done.append(case.reference)
    for _item in missing:
        outcome.refused.append(
            Refusal(
                reference="-",
                reason=gettext("A selected case is not one you may see; nothing was done."),
            )
        )
    return outcome


def _reason(error: CaseError) -> str:
    """The engine's refusal in words for the person (a guard's reason is already theirs)."""
    if isinstance(error, TransitionRefused):
        return str(error)
    if isinstance(error, TransitionNotAllowed):
        return gettext("Its service does not allow that status change from its status.")
    if isinstance(error, TransitionForbidden):
        return gettext("Your staff role does not allow that status change on it.")
    if isinstance(error, InvalidAssignee):
        return gettext("That person does not work cases of its department.")
    if isinstance(error, ActionForbidden):
        return gettext("Your staff role does not allow this on it.")
    return gettext("It was refused.")


def cases_bulk_assign(*, actor, selected: list[Selected], assignee) -> BulkOutcome:
    """Give each selected case to `assignee` (None: to nobody), through `case_assign`."""
    return _each(
        actor=actor,
        selected=selected,
        change=lambda case: services.case_assign(case=case, assignee=assignee, actor=actor),
    )


def cases_bulk_transition(
    *, actor, selected: list[Selected], kind: str, to_status: str, note: str = ""
) -> BulkOutcome:
    """Move each selected case of service `kind` to `to_status`, through `transition` as a
    move offered on a generic page; a case of another service is refused."""

    def move(case: Case) -> None:
        if case.kind != kind:
            raise ValueError(gettext("It belongs to another service."))
        services.transition(case=case, to_status=to_status, actor=actor, note=note, offered=True)

    return _each(actor=actor, selected=selected, change=move)


def resident_language(case: Case) -> str:
    """The language to write to the case's resident in: the account's preferred one, or
    the one the guest applied in."""
    if case.applicant_id is not None:
        return case.applicant.preferred_language
    return case.language


def cases_bulk_message(
    *, actor, selected: list[Selected], template: MessageTemplate
) -> BulkOutcome:
    """Send each selected case's resident `template`'s text in their language, through
    `case_message_resident`; an anonymous case has nobody to write to."""

    def send(case: Case) -> None:
        if case.anonymous:
            raise ValueError(gettext("It was sent anonymously: there is nobody to write to."))
        body = template.text_for(resident_language(case))
        if not body:
            raise ValueError(gettext("The template has no text in the resident's language."))
        # Messages leave the case's version alone: the same page sent twice (a double click)
        # finds this text already sent since the case last changed, and sends nothing.
        if CaseMessage.objects.filter(
            case=case, author=actor, from_staff=True, body=body, created_at__gte=case.updated_at
        ).exists():
            raise ValueError(gettext("It was already sent this message; nothing was done."))
        services.case_message_resident(case=case, author=actor, body=body)

    return _each(actor=actor, selected=selected, change=send)


# What each bulk action needs of the person's roles somewhere in the agency, so a role that
# can never do it is refused outright (403) rather than case by case.
ACTION_RIGHTS = {
    "assign": permissions.ASSIGN,
    "move": permissions.MOVE,
    "message": permissions.MESSAGE,
    "export": permissions.VIEW,
}
