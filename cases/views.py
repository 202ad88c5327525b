"""The resident's case pages. Thin: look the case up through a selector, call one service."""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import links, participants, selectors, services
from cases.exceptions import (
    ActionForbidden,
    DocumentRejected,
    TransitionForbidden,
    TransitionNotAllowed,
    TransitionRefused,
)
from cases.forms import DocumentUploadForm, ReplyForm

CASE_LIST_PAGE_SIZE = 20


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """Every request the signed-in person made, newest first, a page at a time."""
    page = Paginator(selectors.cases_of_resident(user=request.user), CASE_LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "cases/case_list.html", {"page": page, "cases": page.object_list})


def _render_case(request, case, *, reply_form=None, upload_form=None) -> HttpResponse:
    context = {
        "case": case,
        "timeline": selectors.resident_timeline(case=case),
        "documents": selectors.documents_visible_to(user=request.user, case=case),
        "thread": selectors.case_messages(case=case),
        "actions": selectors.transitions_for(case=case, user=request.user),
        "reply_form": reply_form or ReplyForm(),
        "upload_form": upload_form or DocumentUploadForm(),
        "has_errors": bool(
            (reply_form and reply_form.errors) or (upload_form and upload_form.errors)
        ),
    }
    return render(request, "cases/case_detail.html", context)


@login_required
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_resident(user=request.user, reference=reference)
    services.case_messages_mark_read(case=case, reader=request.user)
    return _render_case(request, case)


@login_required
@require_POST
def case_reply_post(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_resident(user=request.user, reference=reference)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, reply_form=form)
    services.case_reply(case=case, author=request.user, body=form.cleaned_data["body"])
    messages.success(request, _("Your message has been sent."))
    return redirect(f"{case.get_absolute_url()}#messages")


@login_required
@require_POST
def document_upload(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for_resident(user=request.user, reference=reference)
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_add(
                case=case, uploaded_by=request.user, upload=form.cleaned_data["file"]
            )
        except DocumentRejected as error:
            form.add_error("file", error)
        except ActionForbidden:
            messages.error(request, _("This request is closed: you can no longer add documents."))
            return redirect(f"{case.get_absolute_url()}#documents")
    if not form.is_valid():
        return _render_case(request, case, upload_form=form)
    messages.success(request, _("Your document has been added."))
    return redirect(f"{case.get_absolute_url()}#documents")


@login_required
@require_POST
def case_transition_post(request: HttpRequest, reference: str) -> HttpResponse:
    """A move the resident makes themselves (withdraw, confirm...).

    400 for a move the workflow does not have from here (or a made-up status), 403 for a
    move that exists but is not the resident's to make; nothing changes in either case.
    """
    case = selectors.case_for_resident(user=request.user, reference=reference)
    to_status = request.POST.get("to_status", "")
    try:
        if case.workflow is None or to_status not in case.workflow.states:
            raise TransitionNotAllowed(to_status)
        services.transition(case=case, to_status=to_status, actor=request.user, offered=True)
    except TransitionNotAllowed:
        return render(request, "400.html", status=400)
    except TransitionForbidden:
        return render(request, "403.html", status=403)
    except TransitionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(case)
    messages.success(request, _("Your request is now: %(status)s.") % {"status": case.status_label})
    return redirect(case)


@never_cache
@login_required
@require_GET
def document_download(request: HttpRequest, reference: str, document_id: int) -> FileResponse:
    """Stream a document to its applicant (public ones) or to staff, never from MEDIA_URL.

    Staff reach documents here from the back office, which demands two-factor
    authentication; this URL lies outside it, so it asks the same of staff itself.
    """
    document = selectors.document_for_download(
        user=request.user, reference=reference, document_id=document_id
    )
    if document.case.applicant_id != request.user.pk and not is_mfa_enabled(request.user):
        raise PermissionDenied
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.download_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Always a download; should a browser render it all the same, it runs nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_GET
def guest_case(request: HttpRequest, token: str) -> HttpResponse:
    """A guest's read-only view of their case, reached by the signed link we sent them."""
    try:
        case = selectors.case_for_guest_token(token=token)
    except links.LinkError as error:
        return link_problem(request, error, token=token)
    context = {
        "case": case,
        "timeline": selectors.resident_timeline(case=case),
        "token": token if (case.guest_email or case.guest_phone) else "",
    }
    response = render(request, "cases/guest_case.html", context)
    # The token is a credential: keep it out of Referer headers and shared caches. Not
    # "no-referrer": the page's own form would be sent with "Origin: null", which CSRF refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


def link_problem(request: HttpRequest, error: links.LinkError, *, token: str) -> HttpResponse:
    """The page for a guest link that opens nothing: why, and what the visitor can do.

    Not a bare 404: an expired or withdrawn link (410) offers to send a fresh one to where
    the old one went; one whose target now belongs to an account asks to sign in; a forged
    or mistyped one (404) says so.
    """
    ticket = error.ticket
    context = {
        "expired": isinstance(error, links.LinkExpired),
        "revoked": isinstance(error, links.LinkRevoked),
        "claimed": isinstance(error, links.LinkRevoked) and error.claimed,
        "can_refresh": ticket is not None and ticket.can_refresh,
        "token": token,
    }
    status = 404 if isinstance(error, links.LinkInvalid) else 410
    response = render(request, "cases/link_problem.html", context, status=status)
    # The token is a credential. Not "no-referrer": the page's own form would then be sent
    # with "Origin: null", which the CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_POST
def link_refresh_post(request: HttpRequest, token: str) -> HttpResponse:
    """ "Send me a new link", from the page of a link that expired or was withdrawn."""
    sent = links.link_refresh(token=token, language=translation.get_language() or "")
    response = render(
        request, "cases/link_refreshed.html", {"sent": sent}, status=200 if sent else 400
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_POST
def link_replace_post(request: HttpRequest, token: str) -> HttpResponse:
    """ "Stop this link working": every link to the case stops; a new one goes to the guest."""
    replaced = links.links_replace(token=token, language=translation.get_language() or "")
    response = render(
        request,
        "cases/link_refreshed.html",
        {"sent": replaced, "replaced": replaced},
        status=200 if replaced else 400,
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def participant_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link a pending participant was sent: a button that confirms (mail scanners open
    links, so opening it changes nothing)."""
    participant = participants.participant_for_confirm_token(token=token)
    if request.method == "POST":
        if participant.case.closed_at is not None:
            messages.error(request, _("This request is closed: there will be no more updates."))
        else:
            participants.participant_confirm(participant=participant)
            messages.success(request, _("Thank you: we will tell you about it from now on."))
        return redirect("cases:participant_confirm", token=token)
    role = participants.roles_of(participant.case).get(participant.role)
    context = {
        "participant": participant,
        "case": participant.case,
        "role_label": role.label if role is not None else participant.role,
    }
    response = render(request, "cases/participant_confirm.html", context)
    # The token is a credential: keep it out of other sites' Referer headers and shared
    # caches. Not "no-referrer": the button's POST would carry "Origin: null", which the
    # CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    return response
