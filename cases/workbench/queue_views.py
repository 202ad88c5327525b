"""The "My work" queue's pages: the list, its bulk actions, its CSV and saved filters.

Thin: the filter form parses, `cases.workbench.queue` reads (scoped to the person),
`cases.workbench.bulk` and `cases.workbench.saved` write.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from cases import permissions
from cases.service_levels import service_levels_attach
from cases.workbench import bulk, queue, saved
from cases.workbench.export import cases_csv_response
from cases.workbench.forms import BulkForm, QueueFilterForm, SavedFilterForm
from cases.workbench.pages import case_page_url
from portal.localized import localized

PAGE_SIZE = 25


def _refused(request: HttpRequest, action: str) -> HttpResponse:
    """403 with a plain message saying what the person's role does not allow."""
    words = {
        permissions.VIEW: gettext("Your staff role does not let you see cases."),
        permissions.ASSIGN: gettext("Your staff role does not let you assign cases."),
        permissions.MOVE: gettext("Your staff role does not let you change the status of cases."),
        permissions.MESSAGE: gettext("Your staff role does not let you write to residents."),
    }
    return render(request, "workbench/forbidden.html", {"message": words[action]}, status=403)


def _rows(page) -> list[dict]:
    cases = list(page.object_list)
    service_levels_attach(cases)
    today = timezone.localdate()
    return [
        {
            "case": case,
            "url": case_page_url(case),
            "version": f"{case.pk}:{queue.case_version(case)}",
            "age": queue.age_words(case, today=today),
            "level": case.service_level,
            "area": localized(case.area, "name") if case.area else "",
        }
        for case in cases
    ]


def _views(request, form, filters) -> list[dict]:
    counts = queue.queue_counts(user=request.user, filters=filters)
    return [
        {
            "key": view.key,
            "label": view.label,
            "count": counts[view.key],
            "current": view.key == filters.view,
            "query": form.query(view=view.key) if form.is_bound else f"view={view.key}",
        }
        for view in queue.VIEWS
    ]


# Column headings that order the list: column -> (first order, the other one).
_COLUMN_SORTS = {
    "reference": ("reference", "reference"),
    "service": ("service", "service"),
    "age": ("oldest", "newest"),
    "level": ("due", "-due"),
}


def _sort_links(form, filters) -> dict[str, dict]:
    """For each sortable column: the link that orders by it (again: the other way), and
    the aria-sort value when it is the current order."""
    links = {}
    for column, (first, other) in _COLUMN_SORTS.items():
        current = filters.sort in (first, other)
        target = other if filters.sort == first and other != first else first
        direction = "descending" if filters.sort in ("newest", "-due") else "ascending"
        links[column] = {
            "query": form.query(sort=target, view=filters.view),
            "aria_sort": direction if current else "",
        }
    return links


def _filter_form(request: HttpRequest) -> tuple[QueueFilterForm, queue.QueueFilters]:
    form = QueueFilterForm(request.GET or None)
    return form, form.filters() if form.is_bound else queue.QueueFilters()


@require_GET
def queue_page(request: HttpRequest) -> HttpResponse:
    """One queue of every service's cases the person may see, by view, filtered and sorted."""
    if not queue.may_use_queue(request.user):
        return _refused(request, permissions.VIEW)
    form, filters = _filter_form(request)
    cases = queue.queue_cases(user=request.user, filters=filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    may = {
        action: permissions.can(request.user, action)
        for action in (permissions.ASSIGN, permissions.MOVE, permissions.MESSAGE)
    }
    return render(
        request,
        "workbench/queue.html",
        {
            "form": form,
            "filters": filters,
            "views": _views(request, form, filters),
            "page": page,
            "rows": _rows(page),
            "query": form.query() if form.is_bound else "",
            "sort_links": _sort_links(form, filters),
            "bulk_form": BulkForm(
                assignees=queue.assignable_staff(user=request.user)
                if may[permissions.ASSIGN]
                else None,
                initial={"kind": filters.kind},
            ),
            "saved_filters": saved.saved_filters_of(user=request.user),
            "saved_form": SavedFilterForm(),
            "may_assign": may[permissions.ASSIGN],
            "may_move": may[permissions.MOVE] and bool(filters.kind),
            "may_message": may[permissions.MESSAGE],
        },
    )


@require_GET
def queue_export(request: HttpRequest) -> HttpResponse:
    """The whole of the chosen view and filters as CSV (every page), streamed."""
    if not queue.may_use_queue(request.user):
        return _refused(request, permissions.VIEW)
    _form, filters = _filter_form(request)
    cases = queue.queue_cases(user=request.user, filters=filters)
    return cases_csv_response(cases, filename=_csv_name())


def _csv_name() -> str:
    return f"cases-{timezone.localdate():%Y-%m-%d}.csv"


def _back(request: HttpRequest) -> str:
    """The queue page the form came from (its filters kept), or the queue."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("workbench:queue")


@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    """A bulk action on the ticked cases: each case changes completely or not at all, and
    the page says which changed and why the others did not."""
    if not queue.may_use_queue(request.user):
        return _refused(request, permissions.VIEW)
    form = BulkForm(request.POST, assignees=queue.assignable_staff(user=request.user))
    action = request.POST.get("action", "")
    if action in (BulkForm.ASSIGN_ME, BulkForm.ASSIGN):
        right = permissions.ASSIGN
    else:
        right = bulk.ACTION_RIGHTS.get(action, permissions.VIEW)
    if not permissions.can(request.user, right):
        return _refused(request, right)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(_back(request))
    data, user = form.cleaned_data, request.user
    selected = data["selected"]
    if action == BulkForm.EXPORT:
        ids = [item.case_id for item in selected]
        cases = queue.queue_cases(user=user, filters=queue.QueueFilters(view="all"))
        return cases_csv_response(cases.filter(pk__in=ids), filename=_csv_name())
    if action == BulkForm.ASSIGN_ME:
        outcome = bulk.cases_bulk_assign(actor=user, selected=selected, assignee=user)
    elif action == BulkForm.ASSIGN:
        outcome = bulk.cases_bulk_assign(actor=user, selected=selected, assignee=data["assignee"])
    elif action == BulkForm.MOVE:
        outcome = bulk.cases_bulk_transition(
            actor=user,
            selected=selected,
            kind=data["kind"],
            to_status=data["to_status"],
            note=data["note"],
        )
    else:
        outcome = bulk.cases_bulk_message(actor=user, selected=selected, template=data["template"])
    return render(
        request,
        "workbench/bulk_result.html",
        {"outcome": outcome, "action": action, "back": _back(request)},
    )


@require_POST
def saved_filter_create(request: HttpRequest) -> HttpResponse:
    """Keep the queue's current filters under a name the person gives."""
    if not queue.may_use_queue(request.user):
        return _refused(request, permissions.VIEW)
    form = SavedFilterForm(request.POST)
    filters = QueueFilterForm(request.POST)
    if not form.is_valid():
        for error in form.errors["name"]:
            messages.error(request, error)
        return HttpResponseRedirect(_back(request))
    if not filters.is_valid():
        # An area or department deleted since the page was shown, or a tampered value.
        messages.error(
            request, gettext("These filters could not be saved: choose them again, then save.")
        )
        return HttpResponseRedirect(_back(request))
    try:
        kept = saved.saved_filter_save(
            user=request.user, name=form.cleaned_data["name"], query=filters.query()
        )
    except saved.SavedFilterError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(_back(request))
    messages.success(request, gettext("Filter “%(name)s” saved.") % {"name": kept.name})
    return HttpResponseRedirect(f"{reverse('workbench:queue')}?{kept.query}")


@require_POST
def saved_filter_remove(request: HttpRequest, filter_id: int) -> HttpResponse:
    """Delete one of the person's own saved filters."""
    if saved.saved_filter_delete(user=request.user, filter_id=filter_id):
        messages.success(request, gettext("Saved filter deleted."))
    else:
        messages.error(request, gettext("That saved filter no longer exists."))
    return HttpResponseRedirect(_back(request))
