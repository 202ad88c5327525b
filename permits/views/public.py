"""Public permit pages, without signing in: one permit's page (the permit card's QR code opens
it), the search by address, number or contractor, and the open data (BLDS v1.2).

They show what a public register shows and nothing of the applicant (see
permits.selectors_public); searches and exports count against a per-address limit.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cases.workflow import get_workflow
from permits import opendata, selectors_public
from permits.workflow import KIND
from portal.ratelimit import allow, client_address


class PermitSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Address, permit number or contractor"),
        help_text=_(
            "For example 12 Main, BLD-2026-000042, or the contractor's name or license number."
        ),
        required=False,
        max_length=200,
    )


def _search_allowed(request: HttpRequest) -> bool:
    return allow(
        f"permits:search:{client_address(request)}",
        limit=settings.PERMITS_SEARCH_PER_MINUTE,
        window_seconds=60,
    )


def _too_many_requests(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    response = render(request, "permits/public/limited.html", status=429)
    response["Retry-After"] = str(retry_after)
    return response


@require_GET
def permit_search(request: HttpRequest) -> HttpResponse:
    """The public search: a permit by its number, a contractor's permits, permits at an
    address. Only searches count against the per-address limit, not the empty form."""
    form = PermitSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = None
    if query:
        if not _search_allowed(request):
            return _too_many_requests(request, retry_after=60)
        page = selectors_public.permits_public_page(
            query=query, cursor=request.GET.get("after", "")
        )
        _attach_status_labels(page.object_list)
    context = {
        "form": form,
        "query": query,
        "page": page,
        "match_limit": selectors_public.SEARCH_MATCH_LIMIT,
    }
    return render(request, "permits/public/search.html", context)


@require_GET
def permit_public(request: HttpRequest, reference: str) -> HttpResponse:
    """One permit's public page, by case reference or permit number (the permit card's QR
    code): status in plain language, the work, the reviews, the inspections."""
    permit = selectors_public.permit_public(reference=reference)
    if permit is None:
        raise Http404("No such permit.")
    _attach_status_labels([permit])
    context = {
        "permit": permit,
        "reviews": selectors_public.reviews_public(permit=permit),
        "inspections": selectors_public.inspections_public(permit=permit),
        "timeline": selectors_public.permit_public_timeline(permit=permit),
    }
    return render(request, "permits/public/permit.html", context)


def _attach_status_labels(permits) -> None:
    workflow = get_workflow(KIND)
    for permit in permits:
        state = workflow.state(permit.case.status)
        permit.public_status = state.label if state else permit.case.status
        permit.public_next_steps = state.next_steps if state else ""


@require_GET
def open_data(request: HttpRequest, dataset: str, fmt: str) -> StreamingHttpResponse:
    """A dataset of the open data (`permits`, `inspections`) as CSV or JSON, streamed."""
    if dataset not in opendata.DATASETS or fmt not in opendata.FORMATS:
        raise Http404("No such dataset.")
    if not allow(
        f"permits:open-data:{client_address(request)}",
        limit=settings.PERMITS_OPEN_DATA_PER_HOUR,
        window_seconds=60 * 60,
    ):
        return _too_many_requests(request, retry_after=60 * 60)
    content_type, stream = opendata.FORMATS[fmt]
    public_page = request.build_absolute_uri(
        reverse("permits:public", kwargs={"reference": "REFERENCE"})
    )
    fields, records = opendata.DATASETS[dataset]
    rows = records(link=lambda reference: public_page.replace("REFERENCE", reference))
    response = StreamingHttpResponse(stream(fields, rows), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{dataset}.{fmt}"'
    return response
