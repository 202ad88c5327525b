"""What every page of the draft shares: the steps, the draft of the signed-in applicant,
"Save and come back later", and a page sent after the session ended (kept in the new
session and shown back, and saved, once the applicant signs in again, so a timeout never
loses what was typed)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from permits import selectors_apply as selectors
from permits.exceptions import PermitNotEditable
from permits.models import Permit
from permits.services import apply as services

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
# Pages kept for sessions that ended: those of one application, and a few more.
PENDING_PAGES_MAX = 8
# The pages whose values are kept when sent without a session (a file is never kept).
PAGE_NAMES = {STEP_URLS[page].split(":")[1] for page in services.TYPED_PAGES}


def step_url(permit: Permit, step: str | None = None) -> str:
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
            pending.pop(f"{reference}:{page}", None)
            pending[f"{reference}:{page}"] = values
            # The latest pages only: a session never grows with every address posted to.
            request.session[PENDING_KEY] = dict(list(pending.items())[-PENDING_PAGES_MAX:])
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


def draft_of(request: HttpRequest, reference: str) -> Permit | HttpResponse:
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


def saving_for_later(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("save") == "later"


def saved_for_later(request: HttpRequest, permit: Permit, *, checked: bool) -> HttpResponse:
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


def next_step(request: HttpRequest, default: str) -> str:
    """Back to "check and pay" after a change made from it."""
    return Permit.Step.CHECK if request.GET.get("from") == "check" else default


def draft_page(request, template: str, permit: Permit, form, step: str, **extra) -> HttpResponse:
    order = list(Permit.Step.values)
    context = {
        "permit": permit,
        "permit_type": permit.permit_type,
        "steps": [(key, label, step_url(permit, key)) for key, label in Permit.Step.choices],
        "done": order[: order.index(permit.step)],
        "step": step,
        "form": form,
        **extra,
    }
    status = 400 if request.method == "POST" and form is not None and form.errors else 200
    return render(request, template, context, status=status)


def form_page(request, reference: str, *, page: str, next_page: str, make_form, save, title):
    """One page of the draft: bind, save through the service, or keep for later."""
    permit = draft_of(request, reference)
    if isinstance(permit, HttpResponse):
        return permit
    later = saving_for_later(request)
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
                return saved_for_later(request, permit, checked=True)
            return redirect(step_url(permit, next_step(request, next_page)))
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
            return saved_for_later(request, permit, checked=False)
    if request.method == "GET" and form.is_bound:
        form.is_valid()  # kept unchecked: show what "Save and continue" will ask to correct
    permit.refresh_from_db()
    return draft_page(request, "permits/apply_form.html", permit, form, page, title=title)


def _plain(data) -> dict:
    return {key: data.getlist(key) if len(data.getlist(key)) > 1 else data.get(key) for key in data}


def _field_of(form) -> str | None:
    """The field a refusal without a field belongs to, on a one-question page."""
    for name in ("license_number", "file"):
        if name in form.fields:
            return name
    return None
