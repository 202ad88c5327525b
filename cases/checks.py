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


@checks.register(checks.Tags.database)
def workflow_departments_check(
    app_configs=None, databases=None, **kwargs
) -> list[checks.CheckMessage]:
    """cases.E002: a workflow routes its cases to a department the agency does not have.

    Its cases would be created with no department, seen by nobody's queue and measured
    against nobody's service level. Runs with the database checks (`manage.py check
    --database default`, `migrate`); create the department in the admin, or fix the code.
    """
    from cases.models import Department

    codes = {w.department_code for w in registered_workflows() if w.department_code}
    errors = []
    for alias in databases or []:
        try:
            known = set(
                Department.objects.using(alias)
                .filter(code__in=codes)
                .values_list("code", flat=True)
            )
        except DatabaseError:
            # Not migrated yet (the check runs before `migrate` creates the tables).
            continue
        for workflow in registered_workflows():
            if workflow.department_code and workflow.department_code not in known:
                errors.append(
                    checks.Error(
                        f"Workflow {workflow.kind!r} routes its cases to department "
                        f"{workflow.department_code!r}, which does not exist.",
                        hint="Add the department (admin, Cases, Departments) with that code, "
                        "or correct the workflow's department_code.",
                        obj=workflow.kind,
                        id="cases.E002",
                    )
                )
    return errors


@checks.register()
def holidays_settings_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """cases.E003: the agency's holiday calendar is not one the `holidays` library knows."""
    import holidays

    from cases.service_levels import holidays_settings

    country, subdivision = holidays_settings()
    try:
        holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError:
        return [
            checks.Error(
                f"No public holidays are known for country {country!r}, subdivision "
                f"{subdivision!r}.",
                hint="Set AGENCY_HOLIDAYS_COUNTRY to an ISO 3166 country code and "
                "AGENCY_HOLIDAYS_SUBDIVISION to one of its subdivisions, or leave it empty.",
                id="cases.E003",
            )
        ]
    return []


# The parts a participant's message needs: e-mail (subject and body) and text message; the
# inbox falls back to the body (notifications/rendering.py).
_NOTICE_PARTS = ("subject.txt", "body.txt", "sms.txt")


@checks.register()
def participation_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """cases.E004: a workflow tells participants with a message template that is missing a
    part, or sends followers to a public page that does not exist.

    Either would fail only when the first person is told, inside the move that tells them.
    """
    from django.template import TemplateDoesNotExist, loader
    from django.urls import NoReverseMatch, reverse

    from notifications.rendering import template_name

    errors = []
    for workflow in registered_workflows():
        participation = workflow.participation
        keys = sorted({key for told in participation.all_notices.values() for key in told.values()})
        for key in keys:
            for part in _NOTICE_PARTS:
                try:
                    loader.get_template(template_name(key, part))
                except TemplateDoesNotExist:
                    errors.append(
                        checks.Error(
                            f"Workflow {workflow.kind!r} tells participants with {key!r}, "
                            f"which has no {part}.",
                            hint=f"Add templates/notifications/{key}/{part}.",
                            obj=workflow.kind,
                            id="cases.E004",
                        )
                    )
        if participation.public_page:
            try:
                reverse(participation.public_page, kwargs={"reference": "CASE-2000-000001"})
            except NoReverseMatch:
                errors.append(
                    checks.Error(
                        f"Workflow {workflow.kind!r} names the public page "
                        f"{participation.public_page!r}, which is not a URL taking a reference.",
                        hint="Give the URL name of the case's public page, e.g. 'concerns:detail'.",
                        obj=workflow.kind,
                        id="cases.E004",
                    )
                )
    return errors


def _field_at(model, path: str):
    """The field `path` ("facility__latitude") names from `model`; LookupError if none."""
    from django.core.exceptions import FieldDoesNotExist

    field = None
    for part in path.split("__"):
        if model is None:
            raise LookupError(path)
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            raise LookupError(path) from None
        model = field.related_model
    return field


@checks.register()
def workflow_locations_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """cases.E005: a workflow's location (for its cases' areas) names a model or field that
    does not exist, or a link that does not lead to its case."""
    from django.apps import apps

    from cases.models import Case

    errors = []
    for workflow in registered_workflows():
        location = workflow.location
        if location is None:
            continue
        problem = ""
        try:
            model = apps.get_model(location.model)
        except (LookupError, ValueError):
            problem = f"names the model {location.model!r}, which does not exist"
        else:
            paths = [location.latitude, location.longitude, location.address]
            try:
                if _field_at(model, location.case).related_model is not Case:
                    problem = f"reaches its case through {location.case!r}, not a link to a case"
                for path in filter(None, paths):
                    _field_at(model, path)
            except LookupError as missing:
                problem = f"names {missing.args[0]!r}, which {location.model} does not have"
            if bool(location.latitude) != bool(location.longitude):
                problem = "names a latitude or a longitude without the other"
        if problem:
            errors.append(
                checks.Error(
                    f"The location of workflow {workflow.kind!r} {problem}.",
                    hint="Fix the workflow's CaseLocation (cases/areas/locating.py).",
                    obj=workflow.kind,
                    id="cases.E005",
                )
            )
    return errors
