"""Residents' pages: the list of license types, the application in pages (about you,
questions, documents, check your answers, pay), its status page, and "my licenses".
The public lookup, a holder's license, certificates and complaints are in
`licensing.views.licenses`; renewals in `licensing.views.renewals`.

Every page works without JavaScript. Each page saves the draft when it is sent, so the
resident can stop at any point and resume from their account.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.drafts import draft_discard_page, drafts_and_sent
from cases.questions import rules as question_rules
from cases.questions.summary import answer_rows
from cases.selectors import resident_timeline
from licensing import selectors, services
from licensing.exceptions import AlreadyPaid, ApplicationIncomplete, ApplicationNotEditable
from licensing.forms import AboutForm, DocumentForm, QuestionsForm, TypeSearchForm
from licensing.models import Application
from portal.localized import localized

STEP_URLS = {
    Application.Step.ABOUT: "licensing:apply_about",
    Application.Step.QUESTIONS: "licensing:apply_questions",
    Application.Step.DOCUMENTS: "licensing:apply_documents",
    Application.Step.CHECK: "licensing:apply_check",
}


def _step_url(application: Application, step: str | None = None) -> str:
    return reverse(STEP_URLS[step or application.step], args=[application.case.reference])


def _draft(request: HttpRequest, reference: str) -> Application | HttpResponse:
    """The user's own application; a sent one goes to its status page instead, a discarded
    one (a second click on "discard", the back button) to their applications."""
    try:
        application = selectors.application_for_applicant(user=request.user, reference=reference)
    except Http404:
        if not selectors.is_discarded_draft_of(user=request.user, reference=reference):
            raise
        messages.info(request, _("This draft was discarded. To apply, start a new application."))
        return redirect("licensing:mine")
    if application.kind == Application.Kind.RENEWAL:
        # A renewal has pages of its own (licensing.views.renewals).
        return redirect("licensing:renew_details", reference=reference)
    if application.paid_at is not None or application.case.status != "draft":
        return redirect(application.get_absolute_url())
    return application


@require_GET
def type_list(request: HttpRequest) -> HttpResponse:
    form = TypeSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    groups: dict[str, list] = {}
    for license_type in selectors.license_types_open(query=query):
        groups.setdefault(localized(license_type, "category"), []).append(license_type)
    return render(
        request, "licensing/type_list.html", {"form": form, "groups": groups, "query": query}
    )


@require_GET
def type_detail(request: HttpRequest, code: str) -> HttpResponse:
    license_type = selectors.license_type_open(code=code)
    draft = selectors.application_draft_of(user=request.user, license_type=license_type)
    return render(
        request, "licensing/type_detail.html", {"license_type": license_type, "draft": draft}
    )


@login_required
@require_POST
def application_start(request: HttpRequest, code: str) -> HttpResponse:
    license_type = selectors.license_type_open(code=code)
    draft = selectors.application_draft_of(user=request.user, license_type=license_type)
    if draft is not None:
        messages.info(request, _("You have already started this application: here it is."))
        return redirect("licensing:resume", reference=draft.case.reference)
    application = services.application_start(license_type=license_type, applicant=request.user)
    return redirect(_step_url(application, Application.Step.ABOUT))


@login_required
@require_GET
def application_resume(request: HttpRequest, reference: str) -> HttpResponse:
    application = _draft(request, reference)
    if isinstance(application, HttpResponse):
        return application
    return redirect(_step_url(application))


@login_required
@require_http_methods(["GET", "POST"])
def apply_about(request: HttpRequest, reference: str) -> HttpResponse:
    application = _draft(request, reference)
    if isinstance(application, HttpResponse):
        return application
    later = _saving_for_later(request)
    form = AboutForm(_page_data(request, application, Application.Step.ABOUT), instance=application)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_save_about(
                application=application, actor=request.user, **form.cleaned_data
            )
        except ApplicationNotEditable as error:
            form.add_error(None, error)
        else:
            if later:
                return _saved_for_later(request, application, checked=True)
            return redirect(_step_url(application, _next(request, Application.Step.QUESTIONS)))
    elif later:
        kept = _keep_for_later(request, application, Application.Step.ABOUT, form)
        if kept is not None:
            return kept
    application.refresh_from_db()
    return _page(request, "licensing/apply_about.html", application, form)


def _saving_for_later(request: HttpRequest) -> bool:
    """Whether the page was sent with "Save and come back later" rather than "continue"."""
    return request.method == "POST" and request.POST.get("save") == "later"


def _page_data(request: HttpRequest, application: Application, page: str):
    """What the page's form is bound to: what was sent, else what was kept unchecked for
    later (shown with what to correct), else nothing."""
    if request.method == "POST":
        return request.POST
    return application.typed.get(page)


def _keep_for_later(
    request: HttpRequest, application: Application, page: str, form
) -> HttpResponse | None:
    """Keep a page that did not pass its checks as typed; None if the draft is not editable."""
    try:
        services.application_keep_typed(
            application=application, actor=request.user, page=page, values=form.typed_values()
        )
    except ApplicationNotEditable as error:
        form.add_error(None, error)
        return None
    if request.FILES:
        messages.warning(
            request, _("The file you chose was not saved: choose it again when you come back.")
        )
    return _saved_for_later(request, application, checked=False)


def _saved_for_later(request: HttpRequest, application: Application, *, checked: bool):
    reference = application.case.reference
    if checked:
        message = _(
            "Your application %(reference)s is saved. Continue it from this page whenever you "
            "are ready."
        )
    else:
        message = _(
            "Your application %(reference)s is saved. Some answers need correcting before you "
            "can send it: they are shown when you come back."
        )
    messages.success(request, message % {"reference": reference})
    return redirect("licensing:mine")


def _next(request: HttpRequest, default: str) -> str:
    """Back to "check your answers" after a change made from it."""
    return Application.Step.CHECK if request.GET.get("from") == "check" else default


def _progress(application: Application) -> dict:
    """The step indicator: every page, and those saved already."""
    order = list(Application.Step.values)
    reached = order.index(application.step)
    return {"steps": Application.Step.choices, "done": order[:reached]}


def _page(request, template: str, application: Application, form, **extra) -> HttpResponse:
    context = {
        "application": application,
        "license_type": application.license_type,
        **_progress(application),
        **extra,
    }
    context["form"] = form
    # A page kept unchecked for later is shown with its errors, but was not sent now.
    status = 400 if request.method == "POST" and form is not None and form.errors else 200
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def apply_questions(request: HttpRequest, reference: str) -> HttpResponse:
    application = _draft(request, reference)
    if isinstance(application, HttpResponse):
        return application
    questions = selectors.questions_for(application=application)
    later = _saving_for_later(request)
    form = QuestionsForm(
        _page_data(request, application, Application.Step.QUESTIONS),
        request.FILES or None,
        questions=questions,
        answers=application.answers,
    )
    editable = True
    if request.method == "POST" and form.is_valid():
        try:
            services.application_save_answers(
                application=application,
                actor=request.user,
                answers=form.answers(),
                uploads=form.uploads(),
            )
        except ApplicationIncomplete as error:
            for code, message in error.error_dict.items():
                form.add_error(code, message)
        except ValidationError as error:
            form.add_error(None, error)
        except ApplicationNotEditable as error:
            form.add_error(None, error)
            editable = False
        else:
            if later:
                return _saved_for_later(request, application, checked=True)
            return redirect(_step_url(application, _next(request, Application.Step.DOCUMENTS)))
    if later and editable:
        kept = _keep_for_later(request, application, Application.Step.QUESTIONS, form)
        if kept is not None:
            return kept
    if request.method == "GET" and form.is_bound:
        # Kept unchecked for later: show what "Save and continue" will ask to correct.
        form.is_valid()
        answers = {**application.answers, **form.answers()}
        for code, message in question_rules.answers_clean(questions, answers)[1].items():
            if code not in form.errors:
                form.add_error(code, message)
    return _page(request, "licensing/apply_questions.html", application, form)


@login_required
@require_http_methods(["GET", "POST"])
def apply_documents(request: HttpRequest, reference: str) -> HttpResponse:
    application = _draft(request, reference)
    if isinstance(application, HttpResponse):
        return application
    requirements = list(application.license_type.documents.all())
    form = DocumentForm(request.POST or None, request.FILES or None, requirements=requirements)
    if request.method == "POST" and form.is_valid():
        requirement = next(r for r in requirements if r.pk == form.cleaned_data["requirement"])
        try:
            services.application_add_document(
                application=application,
                actor=request.user,
                requirement=requirement,
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error("file", error)
        except ApplicationNotEditable as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("%(document)s uploaded.") % {"document": localized(requirement, "name")}
            )
            if _saving_for_later(request):
                return _saved_for_later(request, application, checked=True)
            return redirect(request.get_full_path())
    elif _saving_for_later(request) and not request.FILES:
        # Nothing chosen to upload: everything on this page is saved already.
        return _saved_for_later(request, application, checked=True)
    supplied = {}
    for item in application.supplied_documents.select_related("document"):
        supplied.setdefault(item.requirement_id, []).append(item.document)
    checklist = [(r, supplied.get(r.pk, [])) for r in requirements]
    return _page(
        request,
        "licensing/apply_documents.html",
        application,
        form if requirements else None,
        checklist=checklist,
        continue_url=_step_url(application, Application.Step.CHECK),
    )


def _summary(application: Application) -> list[tuple]:
    return answer_rows(selectors.questions_for(application=application), application.answers)


@login_required
@require_http_methods(["GET", "POST"])
def apply_check(request: HttpRequest, reference: str) -> HttpResponse:
    application = _draft(request, reference)
    if isinstance(application, HttpResponse):
        return application
    problems = services.application_problems(application=application)
    if request.method == "POST":
        try:
            invoice = services.application_request_payment(
                application=application, actor=request.user
            )
        except ApplicationIncomplete as error:
            problems = error.messages
        except (AlreadyPaid, ApplicationNotEditable) as error:
            messages.error(request, str(error))
            return redirect(application.get_absolute_url())
        else:
            return redirect("payments:invoice", reference=invoice.reference)
    context = {
        "application": application,
        "license_type": application.license_type,
        "answers": _summary(application),
        "documents": application.supplied_documents.select_related("requirement", "document"),
        "problems": problems,
        **_progress(application),
    }
    return render(
        request,
        "licensing/apply_check.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def application_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The confirmation and status page: reference, what happens next, public timeline."""
    application = selectors.application_for_applicant(user=request.user, reference=reference)
    if application.kind == Application.Kind.RENEWAL:
        return redirect(application.get_absolute_url())
    context = {
        "application": application,
        "case": application.case,
        "timeline": resident_timeline(case=application.case),
        "license": getattr(application, "issued_license", None),
    }
    return render(request, "licensing/application_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def application_discard(request: HttpRequest, reference: str) -> HttpResponse:
    """Ask first (GET), then discard (POST): a draft is never lost to a stray click."""
    application = _draft(request, reference)
    if isinstance(application, HttpResponse):
        return application
    return draft_discard_page(
        request,
        draft=application,
        template="licensing/discard_confirm.html",
        context={"application": application},
        discard=lambda: services.application_discard(application=application, actor=request.user),
        refused=ApplicationNotEditable,
        done_url=reverse("licensing:mine"),
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    drafts, applications = drafts_and_sent(selectors.applications_of(user=request.user))
    context = {
        "drafts": drafts,
        "applications": applications,
        "licenses": selectors.licenses_of(user=request.user),
    }
    return render(request, "licensing/mine.html", context)
