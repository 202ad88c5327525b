"""The database's copy of what every workflow declares: statuses and kinds of event.

`Case (kind, status)` and `CaseEvent (case_kind, kind, audience)` reference these rows
through composite foreign keys (migration 0008), so the database refuses a status or an
event a case's workflow does not declare, without a migration per service: the rows follow
the code. `declarations_sync` runs after every `migrate` (and after a test database is
flushed, which emits the same signal); the system check `cases.W001` reports any difference
left between the code and the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from cases.workflow import Workflow, registered_workflows


def declared_statuses(workflows: Iterable[Workflow]) -> set[tuple[str, str, str]]:
    """(case kind, status, phase) for every state of `workflows`."""
    return {
        (workflow.kind, code, state.phase)
        for workflow in workflows
        for code, state in workflow.states.items()
    }


def declared_event_kinds(workflows: Iterable[Workflow]) -> set[tuple[str, str, str]]:
    """(case kind, event kind, audience) for every kind each of `workflows` may record."""
    return {
        (workflow.kind, code, audience)
        for workflow in workflows
        for code, kind in workflow.all_event_kinds.items()
        for audience in kind.audiences
    }


@dataclass(frozen=True)
class DeclarationsDiff:
    """What the database lacks (cases would be refused) and holds beyond the code."""

    missing_statuses: frozenset[tuple[str, str, str]]
    extra_statuses: frozenset[tuple[str, str, str]]
    missing_event_kinds: frozenset[tuple[str, str, str]]
    extra_event_kinds: frozenset[tuple[str, str, str]]

    def __bool__(self) -> bool:
        return bool(
            self.missing_statuses
            or self.extra_statuses
            or self.missing_event_kinds
            or self.extra_event_kinds
        )


def _stored(using: str, kinds: set[str] | None) -> tuple[set, set]:
    from cases.models import DeclaredEventKind, DeclaredStatus

    statuses = DeclaredStatus.objects.using(using)
    event_kinds = DeclaredEventKind.objects.using(using)
    if kinds is not None:
        statuses = statuses.filter(case_kind__in=kinds)
        event_kinds = event_kinds.filter(case_kind__in=kinds)
    return (
        set(statuses.values_list("case_kind", "code", "phase")),
        set(event_kinds.values_list("case_kind", "code", "audience")),
    )


def declarations_diff(
    *, workflows: Iterable[Workflow] | None = None, using: str = DEFAULT_DB_ALIAS
) -> DeclarationsDiff:
    """Compare the declarations of `workflows` with the database's rows for their kinds, or,
    by default, those of every registered workflow with every row (rows of a kind no
    workflow is registered for are then extra)."""
    kinds = None if workflows is None else {workflow.kind for workflow in workflows}
    workflows = list(registered_workflows() if workflows is None else workflows)
    statuses, event_kinds = _stored(using, kinds)
    want_statuses = declared_statuses(workflows)
    want_event_kinds = declared_event_kinds(workflows)
    return DeclarationsDiff(
        missing_statuses=frozenset(want_statuses - statuses),
        extra_statuses=frozenset(statuses - want_statuses),
        missing_event_kinds=frozenset(want_event_kinds - event_kinds),
        extra_event_kinds=frozenset(event_kinds - want_event_kinds),
    )


_DELETE_UNUSED_STATUS = """
    DELETE FROM cases_declaredstatus AS declared
     WHERE declared.case_kind = %s AND declared.code = %s
       AND NOT EXISTS (
           SELECT 1 FROM cases_case AS case_
            WHERE case_.kind = declared.case_kind AND case_.status = declared.code
       )
"""

_DELETE_UNUSED_EVENT_KIND = """
    DELETE FROM cases_declaredeventkind AS declared
     WHERE declared.case_kind = %s AND declared.code = %s AND declared.audience = %s
       AND NOT EXISTS (
           SELECT 1 FROM cases_caseevent AS event
            WHERE event.case_kind = declared.case_kind AND event.kind = declared.code
              AND event.audience = declared.audience
       )
"""


def declarations_sync(
    *, workflows: Iterable[Workflow] | None = None, using: str = DEFAULT_DB_ALIAS
) -> DeclarationsDiff:
    """Make the database's declarations of `workflows` (every registered one) match the code.

    Adds what is declared and missing, corrects a status's phase, and removes what a
    workflow no longer declares unless a case or an event still uses it (those stay, and
    the check `cases.W001` keeps reporting them until a data migration moves the rows).
    Kinds of case with no registered workflow are left alone. Safe to run at any time and
    from several processes at once. Returns what differed before the run.
    """
    from cases.models import DeclaredEventKind, DeclaredStatus

    workflows = list(registered_workflows() if workflows is None else workflows)
    diff = declarations_diff(workflows=workflows, using=using)
    with transaction.atomic(using=using):
        DeclaredStatus.objects.using(using).bulk_create(
            [
                DeclaredStatus(case_kind=kind, code=code, phase=phase)
                for kind, code, phase in sorted(diff.missing_statuses)
            ],
            update_conflicts=True,
            unique_fields=["case_kind", "code"],
            update_fields=["phase"],
        )
        DeclaredEventKind.objects.using(using).bulk_create(
            [
                DeclaredEventKind(case_kind=kind, code=code, audience=audience)
                for kind, code, audience in sorted(diff.missing_event_kinds)
            ],
            ignore_conflicts=True,
        )
        wanted_statuses = {(kind, code) for kind, code, _phase in declared_statuses(workflows)}
        with connections[using].cursor() as cursor:
            for kind, code, _phase in sorted(diff.extra_statuses):
                if (kind, code) not in wanted_statuses:
                    cursor.execute(_DELETE_UNUSED_STATUS, [kind, code])
            for kind, code, audience in sorted(diff.extra_event_kinds):
                cursor.execute(_DELETE_UNUSED_EVENT_KIND, [kind, code, audience])
    return diff


def sync_after_migrate(*, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate receiver (connected by CasesConfig): every registered workflow."""
    declarations_sync(using=using)
