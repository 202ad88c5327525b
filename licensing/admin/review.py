"""The clerk's working pieces on a license application's back-office page: every document
viewable in the browser, the staff timeline, assignment ("assign to me") and internal notes.

All of it goes through the case engine's services and selectors; nothing here writes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cases import permissions
from cases import selectors as case_selectors
from cases import services as case_services
from cases.admin.queue import AssignedToMeFilter
from cases.admin.queue import assign_to_me as cases_assign_to_me
from cases.exceptions import CaseError
from cases.forms import StaffAssignForm, StaffNoteForm
from cases.models import Case
from cases.questions.models import Question, QuestionKind
from licensing import selectors
from licensing.models import Application

# What browsers show themselves; anything else (HEIC stored before uploads were re-encoded
# as JPEG) is downloaded instead.
VIEWABLE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/webp"}
# A shown image runs nothing and loads nothing but itself.
IMAGE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


class AssigneeFilter(AssignedToMeFilter):
    title = gettext_lazy("assignee")
    parameter_name = "assignee"
    prefix = "case__"


def review_urls(model_admin) -> list:
    """The application page's own endpoints: document view, assign, note."""

    def wrap(view, *decorators):
        def bound(request, *args, **kwargs):
            return view(model_admin, request, *args, **kwargs)

        for decorator in decorators:
            bound = decorator(bound)
        return model_admin.admin_site.admin_view(bound)

    return [
        path(
            "<path:object_id>/documents/<int:document_id>/",
            wrap(document_view, require_GET, never_cache),
            name="licensing_application_document",
        ),
        path(
            "<path:object_id>/assign/",
            wrap(assign_view, require_POST),
            name="licensing_application_assign",
        ),
        path(
            "<path:object_id>/note/",
            wrap(note_view, require_POST),
            name="licensing_application_note",
        ),
    ]


def review_context(request: HttpRequest, application: Application) -> dict:
    """The documents (each with what it answers), the timeline and the working forms."""
    case = application.case
    answers_of = {
        item.document_id: item.requirement.name
        for item in application.supplied_documents.select_related("requirement")
    }
    for question in Question.objects.filter(
        owner_type=selectors.license_type_content_type(),
        owner_id=application.license_type_id,
        kind=QuestionKind.FILE,
    ):
        answer = application.answers.get(question.code)
        if isinstance(answer, dict) and answer.get("document_id"):
            answers_of.setdefault(answer["document_id"], question.label)
    documents = [
        {
            "document": document,
            "answers": answers_of.get(document.pk, _("Sent later, on the case page")),
            "url": reverse(
                "admin:licensing_application_document", args=[application.pk, document.pk]
            ),
            "viewable": document.content_type in VIEWABLE_TYPES,
        }
        for document in case_selectors.documents_visible_to(user=request.user, case=case)
    ]
    assignee = case.assignee_id
    return {
        "documents": documents,
        "may_see_documents": permissions.can(request.user, permissions.VIEW_DOCUMENTS, case),
        "timeline": case_selectors.staff_timeline(case=case),
        "assign_form": StaffAssignForm(initial={"assignee": assignee}, case=case),
        "note_form": StaffNoteForm(prefix="note"),
        "assigned_to_me": assignee == request.user.pk,
        "assign_url": reverse("admin:licensing_application_assign", args=[application.pk]),
        "note_url": reverse("admin:licensing_application_note", args=[application.pk]),
    }


def _application(model_admin, request: HttpRequest, object_id: str, *, change: bool):
    application = model_admin.get_object(request, unquote(object_id))
    if application is None:
        raise Http404
    allowed = (
        model_admin.has_change_permission(request, application)
        if change
        else model_admin.has_view_permission(request, application)
    )
    if not allowed:
        raise PermissionDenied
    return application


def document_view(model_admin, request: HttpRequest, object_id: str, document_id: int):
    """Serve one of the application's documents, shown in the browser when it can be.

    Only staff who may view the application and case documents reach it (the back office
    also demands two-factor authentication). What is shown was made safe when it was
    uploaded (`cases.documents`): an image is a fresh encode of its pixels, a PDF parsed in
    full with no scripts, actions or attached files. The stored type is the Content-Type and
    nosniff holds the browser to it, so neither can be rendered as HTML. An image also gets
    a sandboxed CSP that allows nothing but itself. A PDF keeps the site's own CSP (no
    script without the page's nonce, no plug-ins, no framing) but no sandbox: Chromium
    refuses to show a PDF in a sandboxed document, which would defeat viewing it.
    """
    application = _application(model_admin, request, object_id, change=False)
    document = (
        case_selectors.documents_visible_to(user=request.user, case=application.case)
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise Http404
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=document.content_type not in VIEWABLE_TYPES,
        filename=document.download_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    if document.content_type.startswith("image/"):
        response["Content-Security-Policy"] = IMAGE_POLICY
    response["Cache-Control"] = "private, no-store"
    return response


def _rerender(model_admin, request: HttpRequest, application: Application, error: str, **forms):
    """The application page again, with the clerk's refused form and text kept (400)."""
    if error:
        messages.error(request, error)
    request.method = "GET"
    response = model_admin.change_view(request, str(application.pk), extra_context=forms)
    response.status_code = 400
    return response


def _back(application: Application) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        reverse("admin:licensing_application_change", args=[application.pk])
    )


def assign_view(model_admin, request: HttpRequest, object_id: str):
    """Assign to someone (or nobody), or to oneself with the "Assign to me" button."""
    application = _application(model_admin, request, object_id, change=True)
    form = StaffAssignForm(request.POST)
    if "assign_to_me" in request.POST:
        form = StaffAssignForm({"assignee": request.user.pk})
    if not form.is_valid():
        return _rerender(model_admin, request, application, "", assign_form=form)
    try:
        case_services.case_assign(
            case=application.case, assignee=form.cleaned_data["assignee"], actor=request.user
        )
    except CaseError:
        error = _("Cases can only be assigned to active staff.")
        return _rerender(model_admin, request, application, error, assign_form=form)
    messages.success(request, _("Assignment saved."))
    return _back(application)


def note_view(model_admin, request: HttpRequest, object_id: str):
    application = _application(model_admin, request, object_id, change=True)
    form = StaffNoteForm(request.POST, prefix="note")
    if not form.is_valid():
        return _rerender(model_admin, request, application, "", note_form=form)
    try:
        case_services.case_add_note(
            case=application.case, author=request.user, body=form.cleaned_data["body"]
        )
    except CaseError:
        error = _("Your staff role does not allow this.")
        return _rerender(model_admin, request, application, error, note_form=form)
    messages.success(request, _("Note added."))
    return _back(application)


def assign_to_me(model_admin, request: HttpRequest, queryset) -> None:
    """The queue's bulk action: the selected applications' cases become the clerk's own."""
    cases_assign_to_me(model_admin, request, Case.objects.filter(pk__in=queryset.values("case_id")))
