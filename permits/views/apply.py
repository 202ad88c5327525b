"""The applying pages: permit types, then the application in pages (property, work,
contractor, plans, questions, check and pay), its status page and the applicant's permits.

Every page works without JavaScript and saves the draft when sent. "Save and come back
later" keeps a page as typed, checked or not; a page sent after the applicant's session
ended is kept in the new session and shown back (and saved) once they sign in again, so a
timeout never loses what was typed.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.questions.forms import QuestionsForm
from cases.questions.selectors import documents_of
from cases.questions.summary import answer_rows
from cases.selectors import resident_timeline
from permits import selectors_apply as selectors
from permits.exceptions import AlreadyPaid, PermitIncomplete, PermitNotEditable
from permits.forms_apply import (
    ContractorForm,
    PermitDocumentForm,
    PlanSheetForm,
    PropertyForm,
    WorkForm,
)
from permits.models import Permit, PlanSheet
from permits.selectors_reviews import letters_of, review_standings
from permits.services import apply as services
from permits.services import apply_plans as plans
from permits.workflow import APPROVED, IN_REVIEW, SUBMITTED
from portal.localized import localized

STEP_URLS = {
    Permit.Step.PROPERTY: "permits:apply_property",
    Permit.Step.WORK: "permits:apply_work",
    Permit.Step.CONTRACTOR: "permits:apply_contractor",
    Permit.Step.PLANS: "permits:apply_plans",
    Permit.Step.QUESTIONS: "permits:apply_questions",
    Permit.Step.CHECK: "permits:apply_check",
}
# What a page sent after the session ended keeps, by "<reference>:<page>", until sign-in.
PENDING_KEY = "permits_pending_pages"
PENDING_VALUE_MAX = 5000
# The pages whose values are kept when sent without a session (a file is never kept).
PAGE_NAMES = {STEP_URLS[page].split(":")[1] for page in services.TYPED_PAGES}


def _step_url(permit: Permit, step: str | None = None) -> str:
    return reverse(STEP_URLS[step or permit.step], args=[permit.case.reference])


def applicant_page(view):
    """Like login_required, but a page sent without a session (it timed out, or the
    applicant signed out in another tab) keeps what was typed for after signing in."""

    @wraps(view)
    def wrapped(request: HttpRequest, reference: str, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, reference, *args, **kwargs)
        page = request.resolver_match.url_name if request.resolver_match else ""
        if request.method == "POST" and page in PAGE_NAMES:
            values = {
                key: [value[:PENDING_VALUE_MAX] for value in request.POST.getlist(key)][:50]
                for key in list(request.POST)[:100]
                if key not in ("csrfmiddlewaretoken", "save")
            }
            pending = request.session.get(PENDING_KEY, {})
            pending[f"{reference}:{page}"] = values
            request.session[PENDING_KEY] = pending
            messages.warning(
                request,
                _(
                    "You were signed out, so the page was not saved yet. Sign in again: what "
                    "you typed is kept and shown back to you."
                ),
            )
            return redirect_to_login(reverse(f"permits:{page}", args=[reference]))
        return redirect_to_login(request.get_full_path())

    return wrapped


def _pending(request: HttpRequest, permit: Permit, page: str):
    """What this page held when it was sent without a session, as a QueryDict-like mapping
    (None if nothing). Taken out of the session: the caller keeps it on the draft."""
    pending = request.session.get(PENDING_KEY) or {}
    values = pending.pop(f"{permit.case.reference}:{STEP_URLS[page].split(':')[1]}", None)
    if values is None:
        return None
    request.session[PENDING_KEY] = pending
    data = QueryDict(mutable=True)
    for key, items in values.items():
        data.setlist(key, items)
    messages.info(
        request,
        _(
            "Here is what you typed before you were signed out. Check it and choose “Save and "
            "continue”."
        ),
    )
    return data


def _draft(request: HttpRequest, reference: str) -> Permit | HttpResponse:
    """The user's own draft; a sent one goes to its status page instead, a discarded one (the
    back button after discarding) to their permits."""
    try:
        permit = selectors.permit_for_applicant(user=request.user, reference=reference)
    except Http404:
        if not selectors.is_discarded_draft_of(user=request.user, reference=reference):
            raise
        messages.info(request, _("This draft was discarded. To apply, start a new application."))
        return redirect("permits:mine")
    if permit.paid_at is not None or permit.case.status != "draft":
        return redirect(permit.get_absolute_url())
    return permit


def _saving_for_later(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("save") == "later"


def _saved_for_later(request: HttpRequest, permit: Permit, *, checked: bool) -> HttpResponse:
    if checked:
        message = _(
            "Your application %(reference)s is saved. Continue it from your permits whenever "
            "you are ready."
        )
    else:
        message = _(
            "Your application %(reference)s is saved. Some answers need correcting before you "
            "can send it: they are shown when you come back."
        )
    messages.success(request, message % {"reference": permit.case.reference})
    return redirect("permits:mine")


def _next(request: HttpRequest, default: str) -> str:
    """Back to "check and pay" after a change made from it."""
    return Permit.Step.CHECK if request.GET.get("from") == "check" else default


def _page(request, template: str, permit: Permit, form, step: str, **extra) -> HttpResponse:
    order = list(Permit.Step.values)
    context = {
        "permit": permit,
        "permit_type": permit.permit_type,
        "steps": [(key, label, _step_url(permit, key)) for key, label in Permit.Step.choices],
        "done": order[: order.index(permit.step)],
        "step": step,
        "form": form,
        **extra,
    }
    status = 400 if request.method == "POST" and form is not None and form.errors else 200
    return render(request, template, context, status=status)


def _form_page(request, reference: str, *, page: str, next_page: str, make_form, save, title):
    """One page of the draft: bind, save through the service, or keep for later."""
    permit = _draft(request, reference)
    if isinstance(permit, HttpResponse):
        return permit
    later = _saving_for_later(request)
    data = request.POST if request.method == "POST" else None
    recovered = _pending(request, permit, page) if data is None else None
    if recovered is not None:
        data = recovered
        services.permit_keep_typed(
            permit=permit, actor=request.user, page=page, values=_plain(recovered)
        )
        permit.refresh_from_db()
    if data is None:
        data = permit.typed.get(page)
    form = make_form(permit, data, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            save(permit, form)
        except ValidationError as error:
            form.add_error(None if hasattr(error, "error_dict") else _field_of(form), error)
        except PermitNotEditable as error:
            form.add_error(None, error)
            later = False
        else:
            if later:
                return _saved_for_later(request, permit, checked=True)
            return redirect(_step_url(permit, _next(request, next_page)))
    if later:
        try:
            services.permit_keep_typed(
                permit=permit, actor=request.user, page=page, values=form.typed_values()
            )
        except PermitNotEditable as error:
            form.add_error(None, error)
        else:
            if request.FILES:
                messages.warning(
                    request,
                    _("The file you chose was not saved: choose it again when you come back."),
                )
            return _saved_for_later(request, permit, checked=False)
    if request.method == "GET" and form.is_bound:
        form.is_valid()  # kept unchecked: show what "Save and continue" will ask to correct
    permit.refresh_from_db()
    return _page(request, "permits/apply_form.html", permit, form, page, title=title)


def _plain(data) -> dict:
    return {key: data.getlist(key) if len(data.getlist(key)) > 1 else data.get(key) for key in data}


def _field_of(form) -> str | None:
    """The field a refusal without a field belongs to, on a one-question page."""
    for name in ("license_number", "file"):
        if name in form.fields:
            return name
    return None


# --- Types ------------------------------------------------------------------------------


@require_GET
def type_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "permits/type_list.html", {"permit_types": selectors.permit_types_open()}
    )


@require_GET
def type_detail(request: HttpRequest, code: str) -> HttpResponse:
    permit_type = selectors.permit_type_open(code=code)
    context = {
        "permit_type": permit_type,
        "drafts": selectors.drafts_of_type(user=request.user, permit_type=permit_type),
        "tiers": list(permit_type.fee_tiers.all()),
    }
    return render(request, "permits/type_detail.html", context)


@login_required
@require_POST
def permit_start(request: HttpRequest, code: str) -> HttpResponse:
    permit_type = selectors.permit_type_open(code=code)
    permit = services.permit_start(permit_type=permit_type, applicant=request.user)
    return redirect(_step_url(permit, Permit.Step.PROPERTY))


@applicant_page
@require_GET
def permit_resume(request: HttpRequest, reference: str) -> HttpResponse:
    permit = _draft(request, reference)
    if isinstance(permit, HttpResponse):
        return permit
    return redirect(_step_url(permit))


# --- The draft's pages --------------------------------------------------------------------


@applicant_page
@require_http_methods(["GET", "POST"])
def apply_property(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_page(
        request,
        reference,
        page=Permit.Step.PROPERTY,
        next_page=Permit.Step.WORK,
        make_form=lambda permit, data, files: PropertyForm(data, instance=permit),
        save=lambda permit, form: services.permit_save_property(
            permit=permit, actor=request.user, **form.cleaned_data
        ),
        title=_("Where is the work?"),
    )


@applicant_page
@require_http_methods(["GET", "POST"])
def apply_work(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_page(
        request,
        reference,
        page=Permit.Step.WORK,
        next_page=Permit.Step.CONTRACTOR,
        make_form=lambda permit, data, files: WorkForm(
            data, instance=permit, permit_type=permit.permit_type
        ),
        save=lambda permit, form: services.permit_save_work(
            permit=permit, actor=request.user, **form.cleaned_data
        ),
        title=_("About the work"),
    )


def _contractor_form(permit: Permit, data, files) -> ContractorForm:
    initial = {
        "license_number": permit.contractor_license.number if permit.contractor_license else "",
        "owner_builder": permit.owner_builder,
    }
    return ContractorForm(data, initial=initial, permit_type=permit.permit_type)


@applicant_page
@require_http_methods(["GET", "POST"])
def apply_contractor(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_page(
        request,
        reference,
        page=Permit.Step.CONTRACTOR,
        next_page=Permit.Step.PLANS,
        make_form=_contractor_form,
        save=lambda permit, form: services.permit_save_contractor(
            permit=permit,
            actor=request.user,
            license_number=form.cleaned_data["license_number"],
            owner_builder=form.cleaned_data.get("owner_builder", False),
        ),
        title=_("Who will do the work?"),
    )


def _questions_form(permit: Permit, data, files) -> QuestionsForm:
    return QuestionsForm(
        data, files, questions=services.permit_questions(permit=permit), answers=permit.answers
    )


def _save_answers(request, permit: Permit, form: QuestionsForm) -> None:
    services.permit_save_answers(
        permit=permit, actor=request.user, answers=form.answers(), uploads=form.uploads()
    )


@applicant_page
@require_http_methods(["GET", "POST"])
def apply_questions(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_page(
        request,
        reference,
        page=Permit.Step.QUESTIONS,
        next_page=Permit.Step.CHECK,
        make_form=_questions_form,
        save=lambda permit, form: _save_answers(request, permit, form),
        title=_("Questions about the work"),
    )


def _add_document(request, permit: Permit, form: PermitDocumentForm, requirements) -> bool:
    """Upload one document of the checklist; False (errors on the form) if refused."""
    if not form.is_valid():
        return False
    requirement = next(r for r in requirements if r.pk == form.cleaned_data["requirement"])
    try:
        services.permit_add_document(
            permit=permit,
            actor=request.user,
            requirement=requirement,
            upload=form.cleaned_data["file"],
        )
    except ValidationError as error:
        form.add_error("file", error)
        return False
    except PermitNotEditable as error:
        form.add_error(None, error)
        return False
    messages.success(
        request, _("%(document)s uploaded.") % {"document": localized(requirement, "name")}
    )
    return True


def _add_sheet(request, permit: Permit, form: PlanSheetForm) -> bool:
    """Upload one plan sheet; False (errors on the form) if refused."""
    if not form.is_valid():
        return False
    try:
        row = plans.plan_sheet_add(
            permit=permit,
            actor=request.user,
            sheet=form.cleaned_data["sheet"],
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
        )
    except ValidationError as error:
        form.add_error("sheet" if hasattr(error, "error_dict") else "file", error)
        return False
    except PermitNotEditable as error:
        form.add_error(None, error)
        return False
    messages.success(request, _("Sheet %(sheet)s uploaded.") % {"sheet": row.sheet})
    return True


@applicant_page
@require_http_methods(["GET", "POST"])
def apply_plans(request: HttpRequest, reference: str) -> HttpResponse:
    """The plan sheets, one PDF each, and the type's other documents: two forms, each
    working on its own."""
    permit = _draft(request, reference)
    if isinstance(permit, HttpResponse):
        return permit
    requirements = documents_of(owner=permit.permit_type)
    posted = request.method == "POST"
    is_document = posted and request.POST.get("form") == "document"
    sheet_form = PlanSheetForm(
        request.POST if posted and not is_document else None,
        request.FILES if posted and not is_document else None,
    )
    document_form = (
        PermitDocumentForm(
            request.POST if is_document else None,
            request.FILES if is_document else None,
            requirements=requirements,
        )
        if requirements
        else None
    )
    if posted and "remove" in request.POST:
        try:
            plans.plan_sheet_remove(
                permit=permit, actor=request.user, sheet_id=int(request.POST["remove"])
            )
        except (ValueError, PlanSheet.DoesNotExist):
            raise Http404("No such sheet.") from None
        messages.success(request, _("The sheet was removed."))
        return redirect(request.get_full_path())
    if posted and not request.FILES and _saving_for_later(request):
        # Nothing chosen to upload: everything on this page is saved already.
        return _saved_for_later(request, permit, checked=True)
    if posted:
        if is_document and document_form is not None:
            saved = _add_document(request, permit, document_form, requirements)
        else:
            saved = _add_sheet(request, permit, sheet_form)
        if saved:
            if _saving_for_later(request):
                return _saved_for_later(request, permit, checked=True)
            return redirect(request.get_full_path())
    permit = selectors.permit_for_applicant(user=request.user, reference=reference)
    supplied: dict[int, list] = {}
    for item in permit.supplied_documents.select_related("document"):
        supplied.setdefault(item.requirement_id, []).append(item.document)
    response = _page(
        request,
        "permits/apply_plans.html",
        permit,
        sheet_form,
        Permit.Step.PLANS,
        sheets=list(permit.plan_sheets.all()),
        document_form=document_form,
        checklist=[(r, supplied.get(r.pk, [])) for r in requirements],
        continue_url=_step_url(permit, _next(request, Permit.Step.QUESTIONS)),
    )
    if posted and document_form is not None and document_form.errors:
        response.status_code = 400
    return response


@applicant_page
@require_GET
def plan_sheet_download(request: HttpRequest, reference: str, sheet_id: int) -> HttpResponse:
    sheet = selectors.plan_sheet_for_applicant(
        user=request.user, reference=reference, sheet_id=sheet_id
    )
    response = FileResponse(
        sheet.file.open("rb"),
        as_attachment=True,
        filename=f"{reference}-{sheet.sheet_slug}-v{sheet.version}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@applicant_page
@require_http_methods(["GET", "POST"])
def apply_check(request: HttpRequest, reference: str) -> HttpResponse:
    permit = _draft(request, reference)
    if isinstance(permit, HttpResponse):
        return permit
    problems = services.permit_problems(permit=permit)
    if request.method == "POST":
        try:
            invoice = services.permit_request_payment(permit=permit, actor=request.user)
        except PermitIncomplete:
            problems = services.permit_problems(permit=permit)
        except (AlreadyPaid, PermitNotEditable) as error:
            messages.error(request, str(error))
            return redirect(permit.get_absolute_url())
        else:
            if invoice is None:
                return redirect(permit.get_absolute_url())
            return redirect("payments:invoice", reference=invoice.reference)
    context = {
        "permit": permit,
        "permit_type": permit.permit_type,
        "quote": services.permit_fee_quote(permit=permit),
        "answers": answer_rows(services.permit_questions(permit=permit), permit.answers),
        "sheets": list(permit.plan_sheets.all()),
        "documents": list(permit.supplied_documents.select_related("requirement", "document")),
        "problems": [(message, _step_url(permit, page)) for page, message in problems],
        "step": Permit.Step.CHECK,
        "steps": [(key, label, _step_url(permit, key)) for key, label in Permit.Step.choices],
        "done": list(Permit.Step.values)[: list(Permit.Step.values).index(permit.step)],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "permits/apply_check.html", context, status=status)


@applicant_page
@require_GET
def permit_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The confirmation and status page: reference, what happens next, the timeline."""
    permit = selectors.permit_for_applicant(user=request.user, reference=reference)
    # Plan review: what is still open and with whom, and the correction letters.
    standings = review_standings(permit=permit)
    context = {
        "permit": permit,
        "case": permit.case,
        "sheets": list(permit.plan_sheets.all()),
        "timeline": resident_timeline(case=permit.case),
        "standings": standings,
        "letters": letters_of(permit=permit),
        # Sent, and no department has answered yet (plans go to review as soon as the fee
        # is paid; a type without reviewing departments is approved at once).
        "just_sent": permit.paid_at is not None
        and permit.issued_at is None
        and permit.case.status in (SUBMITTED, IN_REVIEW, APPROVED)
        and not any(row.is_done or row.with_applicant for row in standings),
    }
    return render(request, "permits/application_detail.html", context)


@applicant_page
@require_http_methods(["GET", "POST"])
def permit_discard(request: HttpRequest, reference: str) -> HttpResponse:
    """Ask first (GET), then discard (POST): a draft is never lost to a stray click."""
    permit = _draft(request, reference)
    if isinstance(permit, HttpResponse):
        return permit
    if request.method == "GET":
        return render(request, "permits/discard_confirm.html", {"permit": permit})
    try:
        services.permit_discard(permit=permit, actor=request.user)
    except PermitNotEditable as error:
        messages.error(request, str(error))
        return redirect(permit.get_absolute_url())
    messages.success(request, _("The draft was discarded."))
    return redirect("permits:mine")


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    permits = list(selectors.permits_of(user=request.user))
    context = {
        "drafts": [p for p in permits if p.case.status == "draft" and p.paid_at is None],
        "permits": [p for p in permits if p.case.status != "draft" or p.paid_at],
    }
    return render(request, "permits/mine.html", context)
