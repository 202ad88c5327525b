"""The workbench's case page (/staff/cases/<reference>/): everything about one case on one
page, and the actions the person's role allows on it.

Reads through `cases.selectors` (scoped to what the member of staff may see: 404 otherwise)
and each service's panels (`cases.workbench.panels`); writes through the case engine's
services. A status change and a message to the resident are shown for confirmation first
(a page of their own, so it works without JavaScript). A page that acts on a case that has
changed since it was opened (moved, reassigned) is refused with the case as it is now
(409), never applied blindly; the check is made with the case row locked.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import permissions, selectors, services
from cases.exceptions import (
    ActionForbidden,
    CaseError,
    InvalidAssignee,
    TransitionForbidden,
    TransitionNotAllowed,
    TransitionRefused,
)
from cases.forms import StaffAssignForm, StaffNoteForm, StaffTransitionForm
from cases.models import Case, CaseEvent, CaseMessage
from cases.workbench.bulk import resident_language
from cases.workbench.case_forms import CaseMessageForm
from cases.workbench.panels import panels_for
from cases.workbench.queue import case_version

# Documents shown inline on the page: images, re-encoded on upload (cases/images.py). Any
# other type is offered as a download only.
PREVIEWED_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})


class StaleCase(Exception):
    """The case changed since the page that acts on it was shown."""


def _case(request: HttpRequest, reference: str) -> Case:
    case = (
        selectors.cases_visible_to(user=request.user)
        .select_related("assignee", "department", "area", "applicant")
        .filter(reference=reference)
        .first()
    )
    if case is None:
        raise Http404
    return case


def _transitions(case: Case, user):
    return selectors.transitions_for(case=case, user=user)


def _context(request: HttpRequest, case: Case, **bound) -> dict:
    user = request.user
    may = {
        action: permissions.can(user, action, case)
        for action in (
            permissions.ASSIGN,
            permissions.MOVE,
            permissions.MESSAGE,
            permissions.NOTE,
            permissions.VIEW_DOCUMENTS,
        )
    }
    may[permissions.MESSAGE] &= (
        bool(case.applicant_id or case.guest_email or case.guest_phone) and not case.anonymous
    )
    transitions = _transitions(case, user)
    documents = (
        list(selectors.documents_visible_to(user=user, case=case).order_by("created_at"))
        if may[permissions.VIEW_DOCUMENTS]
        else []
    )
    return {
        "case": case,
        "version": case_version(case),
        "level": case.service_level,
        "events": list(case.events.select_related("actor").order_by("created_at", "id")),
        "documents": documents,
        "previewed_types": PREVIEWED_TYPES,
        "case_messages": list(case.messages.select_related("author").order_by("created_at")),
        "work_items": list(
            case.work_items.select_related("department", "assignee").order_by("opened_at", "id")
        ),
        "participants": list(case.participants.select_related("user")),
        "panels": panels_for(case=case, user=user),
        "may": may,
        "resident_language": resident_language(case),
        "transition_form": bound.get("transition_form")
        or StaffTransitionForm(transitions=transitions),
        "assign_form": bound.get("assign_form")
        or StaffAssignForm(initial={"assignee": case.assignee_id}, case=case),
        "note_form": bound.get("note_form") or StaffNoteForm(prefix="note"),
        "note_after": bound.get("note_after", _last_note_id(case)),
        "message_form": bound.get("message_form") or CaseMessageForm(prefix="message"),
        "stale": bound.get("stale", False),
        # A panel's own form refused (a refund): the panel's template shows it again, bound.
        "panel_form": bound.get("panel_form"),
    }


def _page(request: HttpRequest, case: Case, *, status: int = 200, **bound) -> HttpResponse:
    return render(request, "workbench/case.html", _context(request, case, **bound), status=status)


def _again(request, case, *, error: str = "", status: int = 400, **bound) -> HttpResponse:
    """The page again, with the refused form's values and its error."""
    if error:
        messages.error(request, error)
    case.refresh_from_db()
    return _page(request, case, status=status, **bound)


def case_page_again(request, case, *, error: str, status: int = 400, **bound) -> HttpResponse:
    """The case page again after a panel's form was refused (its values kept, in `bound`)."""
    return _again(request, case, error=error, status=status, **bound)


def _back(case: Case) -> HttpResponse:
    return redirect("workbench:case", reference=case.reference)


def _locked_unchanged(case: Case, version: str) -> Case:
    """Lock the case's row and check it is as the page showed it (call in a transaction)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if case_version(locked) != version:
        raise StaleCase
    return locked


def _stale(request, case, **bound) -> HttpResponse:
    case.refresh_from_db()
    assignee = str(case.assignee) if case.assignee_id else _("nobody")
    error = _(
        "This case changed since you opened it: it is now “%(status)s”, assigned to "
        "%(assignee)s. Check it below and try again."
    ) % {"status": case.status_label_for_staff, "assignee": assignee}
    return _again(request, case, error=error, status=409, stale=True, **bound)


@require_GET
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    return _page(request, _case(request, reference))


def _confirm(request, case, *, action: str, summary: list[str], form, **extra) -> HttpResponse:
    return render(
        request,
        "workbench/case_confirm.html",
        {
            "case": case,
            "action": action,
            "summary": summary,
            "form": form,
            "version": request.POST.get("version", ""),
            **extra,
        },
    )


@require_POST
def case_transition(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    form = StaffTransitionForm(
        request.POST,
        transitions=_transitions(case, request.user),
        statuses=case.workflow.states if case.workflow else (),
    )
    if not form.is_valid():
        return _again(request, case, transition_form=form)
    target = form.cleaned_data["to_status"]
    if request.POST.get("confirmed") != "yes":
        move = form.transitions.get(target)
        label = (move.label if move else "") or target
        summary = [
            _("Change the status of %(reference)s from “%(current)s” to “%(label)s”.")
            % {
                "reference": case.reference,
                "current": case.status_label_for_staff,
                "label": label,
            }
        ]
        if form.cleaned_data["public_note"]:
            summary.append(
                _("The resident is told: %(note)s") % {"note": form.cleaned_data["public_note"]}
            )
        return _confirm(request, case, action="transition", summary=summary, form=form)
    try:
        with transaction.atomic():
            locked = _locked_unchanged(case, request.POST.get("version", ""))
            services.transition(
                case=locked,
                to_status=target,
                actor=request.user,
                note=form.cleaned_data["note"],
                public_note=form.cleaned_data["public_note"],
                offered=True,
            )
    except StaleCase:
        return _stale(request, case, transition_form=form)
    except TransitionNotAllowed:
        error = _("That status change is not possible from the current status.")
        return _again(request, case, error=error, transition_form=form)
    except TransitionForbidden:
        error = _("You may not make that status change.")
        return _again(request, case, error=error, status=403, transition_form=form)
    except TransitionRefused as refusal:
        return _again(request, case, error=str(refusal), transition_form=form)
    case.refresh_from_db()
    messages.success(
        request, _("Status changed to: %(status)s.") % {"status": case.status_label_for_staff}
    )
    return _back(case)


@require_POST
def case_assign(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    form = StaffAssignForm(request.POST, case=case)
    if not form.is_valid():
        return _again(request, case, assign_form=form)
    try:
        with transaction.atomic():
            locked = _locked_unchanged(case, request.POST.get("version", ""))
            services.case_assign(
                case=locked, assignee=form.cleaned_data["assignee"], actor=request.user
            )
    except StaleCase:
        return _stale(request, case, assign_form=form)
    except InvalidAssignee:
        error = _("Cases can only be assigned to active staff who may work them.")
        return _again(request, case, error=error, assign_form=form)
    except ActionForbidden:
        error = _("Your staff role does not allow this.")
        return _again(request, case, error=error, status=403, assign_form=form)
    messages.success(request, _("Assignment saved."))
    return _back(case)


def _last_note_id(case: Case) -> int:
    """The newest event on the case when its page is shown (0 for none): a note posted from
    that page is added once, however often the form is sent."""
    return (
        CaseEvent.objects.filter(case=case).order_by("-pk").values_list("pk", flat=True).first()
        or 0
    )


def _noted_since(case: Case, author, body: str, after: str) -> bool:
    """Did `author` already add the note `body` on `case` after event `after` (the newest
    one when their page was shown)? Asked with the case row locked."""
    if not (after.isascii() and after.isdigit()):  # isdigit() alone takes "²", int() not
        return False
    return CaseEvent.objects.filter(
        case=case, kind=CaseEvent.Kind.NOTE, actor=author, body=body.strip(), pk__gt=int(after)
    ).exists()


@require_POST
def case_note(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    form = StaffNoteForm(request.POST, prefix="note")
    after = request.POST.get("note-after", "")
    if not form.is_valid():
        return _again(request, case, note_form=form, note_after=after)
    try:
        with transaction.atomic():
            Case.objects.select_for_update().filter(pk=case.pk).first()
            if _noted_since(case, request.user, form.cleaned_data["body"], after):
                # The same page's form sent twice (a double click): added once.
                messages.info(request, _("This note was already added."))
                return _back(case)
            services.case_add_note(case=case, author=request.user, body=form.cleaned_data["body"])
    except ActionForbidden:
        error = _("Your staff role does not allow this.")
        return _again(request, case, error=error, status=403, note_form=form, note_after=after)
    messages.success(request, _("Note added."))
    return _back(case)


def _last_message_id(case: Case) -> int:
    """The newest message on the case when its confirmation page is shown (0 for none)."""
    return (
        CaseMessage.objects.filter(case=case).order_by("-pk").values_list("pk", flat=True).first()
        or 0
    )


def _sent_since(case: Case, author, body: str, after: str) -> bool:
    """Did `author` already send `body` on `case` after message `after` (the newest one when
    their confirmation page was shown)? Asked with the case row locked."""
    if not (after.isascii() and after.isdigit()):
        return False
    return CaseMessage.objects.filter(
        case=case, author=author, from_staff=True, body=body, pk__gt=int(after)
    ).exists()


@require_POST
def case_message(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    form = CaseMessageForm(request.POST, prefix="message")
    if not form.is_valid():
        return _again(request, case, message_form=form)
    body = (form.cleaned_data["body"] or "").strip()
    template = form.cleaned_data["template"]
    if not body:
        body = template.text_for(resident_language(case))
        if not body:
            form.add_error("template", _("The template has no text in the resident's language."))
            return _again(request, case, message_form=form)
    if request.POST.get("confirmed") != "yes":
        checked = CaseMessageForm(prefix="message", initial={"body": body})
        return _confirm(
            request,
            case,
            action="message",
            summary=[
                _("Send this message to %(name)s. They are notified and see it on their case page.")
                % {"name": case.contact_name}
            ],
            form=checked,
            after=_last_message_id(case),
        )
    try:
        with transaction.atomic():
            Case.objects.select_for_update().filter(pk=case.pk).first()
            if _sent_since(case, request.user, body, request.POST.get("after", "")):
                # The same confirmation page sent twice (a double click): sent once.
                messages.info(request, _("This message was already sent."))
                return _back(case)
            services.case_message_resident(case=case, author=request.user, body=body)
    except CaseError:
        error = _("You cannot message the resident on this case.")
        return _again(request, case, error=error, status=403, message_form=form)
    messages.success(request, _("Message sent to the resident."))
    return _back(case)


@require_GET
def document_preview(request: HttpRequest, reference: str, document_id: int) -> FileResponse:
    """An image document shown inside the case page: only images (re-encoded when they were
    uploaded), never run, never cached; anything else is a 404 here (download it instead)."""
    case = _case(request, reference)
    document = (
        selectors.documents_visible_to(user=request.user, case=case)
        .filter(pk=document_id, content_type__in=PREVIEWED_TYPES)
        .first()
    )
    if document is None or not permissions.can(request.user, permissions.VIEW_DOCUMENTS, case):
        raise Http404
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
