"""Reads of the case engine, each scoped to what its caller may see.

Access control lives here, in the queries: a resident's lookups filter on the resident, so
changing a reference or an id in a URL reaches nothing that is not theirs (404, never 403,
so the answer does not even confirm the case exists).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from cases import permissions
from cases.actors import actor_role
from cases.exceptions import SubmissionKeyTaken
from cases.models import Case, CaseDocument, CaseEvent, CaseMessage, SubmissionKey
from cases.service_levels import overdue_condition
from cases.tokens import case_for_link
from cases.workflow import APPLICANT, STAFF, Transition
from portal import sql

# What a list of requests shows: reference, service, status, closing, last update.
LIST_FIELDS = ("id", "reference", "kind", "status", "closed_at", "created_at", "updated_at")


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related("applicant", "assignee", "department")


def cases_visible_to(*, user) -> QuerySet[Case]:
    """Cases `user` may see: staff those their roles reach (cases/permissions.py), a
    resident their own, anybody else none."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if permissions.is_active_staff(user):
        return _cases().filter(permissions.case_scope(user, permissions.VIEW))
    return _cases().filter(applicant=user)


def cases_of_resident(*, user) -> QuerySet[Case]:
    """The cases `user` applied for, newest first (staff included: their own, not all).

    For lists of requests (cases/_case_list.html): only the columns a list shows, without
    the joins a case page needs. Reading another field costs a query per row.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    return Case.objects.filter(applicant=user).only(*LIST_FIELDS).order_by("-created_at")


_LIST_COLUMNS = sql.columns(Case, LIST_FIELDS)
_NEWEST_CASES_SQL = f"""
    SELECT {sql.select_list(_LIST_COLUMNS)}
      FROM {Case._meta.db_table}
     WHERE applicant_id = %s
     ORDER BY created_at DESC
     LIMIT %s
"""  # noqa: S608 (table and columns come from the model, values are parameters)


def newest_cases_of_resident(*, user, limit: int) -> list[Case]:
    """The `limit` newest of `cases_of_resident(user=user)`, read in plain SQL (one indexed
    read, cases_case_applicant_new) without compiling a queryset: for the dashboard, the
    portal's busiest signed-in page (see portal/sql.py)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_NEWEST_CASES_SQL, [user.pk, limit])
        return sql.instances(Case, _LIST_COLUMNS, cursor.fetchall())


def case_for_resident(*, user, reference: str) -> Case:
    """The case `reference` if `user` is its applicant; Http404 otherwise (staff included:
    staff work cases in the back office, not on the resident's page)."""
    if user is None or not user.is_authenticated:
        raise Http404
    try:
        return _cases().get(reference=reference, applicant=user)
    except Case.DoesNotExist:
        raise Http404 from None


def case_for_guest_token(*, token: str) -> Case:
    """The guest case a view link opens. Raises cases.links.LinkError if the link is forged,
    expired or revoked, or the case has an account behind it (its resident signs in)."""
    case = case_for_link(token=token)
    return _cases().get(pk=case.pk)


def published_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    """What anyone may read of `case`, oldest first: its published status history (for a
    case's public page, e.g. a concern report's). Messages, documents, payments and notes
    are never in it (the database refuses them the PUBLIC audience)."""
    return CaseEvent.objects.filter(case=case, audience=CaseEvent.Audience.PUBLIC).select_related(
        "case"
    )


def resident_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    """The timeline of the people on `case` (its resident, or the guest holding its link),
    oldest first: the published history plus what is addressed to them. Callers have checked
    that the reader is on the case."""
    return CaseEvent.objects.filter(
        case=case,
        audience__in=[CaseEvent.Audience.PUBLIC, CaseEvent.Audience.PARTICIPANTS],
    ).select_related("case")


def staff_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    """Every event of `case`, oldest first, with who did it."""
    return CaseEvent.objects.filter(case=case).select_related("case", "actor")


def documents_visible_to(*, user, case: Case) -> QuerySet[CaseDocument]:
    """Staff whose roles let them view the case's documents see every one; the applicant sees
    public ones and their own uploads; anybody else none."""
    role = (
        actor_role(case=case, actor=user, action=permissions.VIEW_DOCUMENTS)
        if user and user.is_authenticated
        else None
    )
    documents = CaseDocument.objects.filter(case=case).select_related("case", "uploaded_by")
    if role == STAFF:
        return documents
    if role == APPLICANT:
        return documents.filter(Q(public=True) | Q(uploaded_by=user))
    return documents.none()


def document_for_download(*, user, reference: str, document_id: int) -> CaseDocument:
    """The document if `user` may download it; Http404 otherwise."""
    if user is None or not user.is_authenticated:
        raise Http404
    case = cases_visible_to(user=user).filter(reference=reference).first()
    if case is None:
        raise Http404
    document = documents_visible_to(user=user, case=case).filter(pk=document_id).first()
    if document is None:
        raise Http404
    return document


def case_messages(*, case: Case) -> QuerySet[CaseMessage]:
    """The message thread of `case`, oldest first. Callers have already checked access."""
    return CaseMessage.objects.filter(case=case).select_related("author")


def transitions_for(*, case: Case, user) -> list[Transition]:
    """The moves `user` may make on `case` now from a generic page (none for strangers or
    unknown kinds, never a service's own moves)."""
    role = actor_role(case=case, actor=user, action=permissions.MOVE)
    workflow = case.workflow
    if role is None or workflow is None:
        return []
    return workflow.transitions_from(case.status, actor_role=role, offered=True)


def overdue_filter(*, prefix: str = "") -> Q:
    """Open cases past their stage's or their whole due date and not waiting for the
    resident (in the agency's time zone), through `prefix` ("case__" from a model that
    links to its case). The only definition of overdue: `cases.service_levels`."""
    return overdue_condition(prefix=prefix)


def submission_key_made(key, *, made: QuerySet):
    """The row of `made` (a service's query of what a form makes, one row per case) that the
    form with `key` made already; None if the key made nothing yet. Raises
    SubmissionKeyTaken for a key claimed for a case outside `made`
    (`cases.services.submission_key_claim`)."""
    claimed_for = SubmissionKey.objects.filter(key=key).values_list("case_id", flat=True).first()
    if claimed_for is None:
        return None
    sent = made.filter(case_id=claimed_for).first()
    if sent is None:
        raise SubmissionKeyTaken("This submission key belongs to another case.")
    return sent
