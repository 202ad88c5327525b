"""System checks of the case engine: workflows against the database and reserved prefixes."""

from django.core import checks
from django.db import DatabaseError

from cases.references import RESERVED_PREFIXES
from cases.workflow import registered_workflows


@checks.register()
def workflow_prefixes_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """cases.E001: a workflow's reference prefix is one the portal keeps for itself."""
    errors = []
    for workflow in registered_workflows():
        if workflow.prefix in RESERVED_PREFIXES:
            errors.append(
                checks.Error(
                    f"Workflow {workflow.kind!r} uses the reference prefix {workflow.prefix!r}, "
                    f"reserved for {RESERVED_PREFIXES[workflow.prefix]}.",
                    hint="Choose another prefix of 2 to 8 capital letters.",
                    obj=workflow.kind,
                    id="cases.E001",
                )
            )
    return errors


def _describe(rows) -> str:
    return ", ".join(":".join(row) for row in sorted(rows)[:10]) + (" …" if len(rows) > 10 else "")


@checks.register(checks.Tags.database)
def declarations_check(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """cases.W001: the database's declared statuses and event kinds differ from the code's.

    Runs with the database checks (`manage.py check --database default`, `migrate`).
    """
    from cases.declarations import declarations_diff

    messages = []
    for alias in databases or []:
        try:
            diff = declarations_diff(using=alias)
        except DatabaseError:
            # Not migrated yet (the check runs before `migrate` creates the tables).
            continue
        if diff.missing_statuses or diff.missing_event_kinds:
            messages.append(
                checks.Warning(
                    "The database does not accept what the workflows declare: "
                    f"statuses {_describe(diff.missing_statuses) or 'none'}; "
                    f"event kinds {_describe(diff.missing_event_kinds) or 'none'}.",
                    hint="Run `manage.py migrate`: it copies the declarations into the database.",
                    id="cases.W001",
                )
            )
        if diff.extra_statuses or diff.extra_event_kinds:
            messages.append(
                checks.Warning(
                    "The database accepts what no workflow declares: "
                    f"statuses {_describe(diff.extra_statuses) or 'none'}; "
                    f"event kinds {_describe(diff.extra_event_kinds) or 'none'}.",
                    hint="Cases or events still use them, or their workflow is not registered: "
                    "move those rows with a data migration, or declare them again.",
                    id="cases.W001",
                )
            )
    return messages
