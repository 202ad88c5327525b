"""A guest applicant's inspections page, reached by a link to the permit's case.

Any working link to the case (the view link every message carries) opens the page to read,
downloads the permit card and the certificate of occupancy, and pays the permit's own fees
(by a pay link to the invoice, issued on the way: payments.tokens); booking, moving,
cancelling and asking for more time need a book link, which the page sends to the address
on the case on request (permits.services.guest_links). The token is a credential: the
responses stay out of caches and other sites' Referer headers.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cases import links
from cases.links import LinkScope
from cases.models import Case
from cases.views import link_problem
from payments.models import Invoice
from payments.tokens import invoice_guest_link
from permits import selectors_inspections as selectors
from permits.exceptions import InspectionRefused, IssuanceRefused
from permits.models import InspectionPhoto, Permit
from permits.services.guest_links import inspection_link_send
from permits.views.inspections import (
    certificate_response,
    inspections_act,
    inspections_page,
    permit_card_response,
)
from permits.views.photos import photo_response


def _guest_permit(resolved: links.ResolvedLink) -> Permit:
    permit = (
        Permit.objects.select_related("case", "permit_type").filter(case=resolved.target).first()
    )
    if permit is None:
        raise Http404
    return permit


def _resolved_permit(token: str) -> Permit:
    """The permit a working view link opens (404 for any other link)."""
    try:
        resolved = links.resolve_link(token, LinkScope.VIEW, model=Case)
    except links.LinkError as error:
        raise Http404 from error
    return _guest_permit(resolved)


def _private(response: HttpResponse) -> HttpResponse:
    # Not "no-referrer": the page's own forms would be sent with "Origin: null", which CSRF
    # refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def guest_inspections(request: HttpRequest, token: str) -> HttpResponse:
    try:
        resolved = links.resolve_link(token, LinkScope.VIEW, model=Case)
    except links.LinkError as error:
        return link_problem(request, error, token=token)
    permit = _guest_permit(resolved)
    may_change = resolved.allows(LinkScope.BOOK)
    error = ""
    if request.method == "POST":
        if request.POST.get("action") == "send_link":
            inspection_link_send(permit=permit, language=translation.get_language() or "")
            messages.success(
                request,
                _(
                    "We sent a link to book and change inspections to the e-mail address or "
                    "phone on this permit."
                ),
            )
            return redirect("permits:guest_inspections", token=token)
        if not may_change:
            error = _(
                "This link lets you see the permit, not change its inspections. Ask for a "
                "link to book and change inspections below."
            )
        else:
            try:
                messages.success(request, inspections_act(request, permit, actor=None))
                return redirect("permits:guest_inspections", token=token)
            except (InspectionRefused, IssuanceRefused) as refused:
                error = str(refused)
    response = inspections_page(
        request, permit, error=error, token=token, guest=True, may_change=may_change
    )
    return _private(response)


@never_cache
@require_GET
def guest_inspection_photo(request: HttpRequest, token: str, pk: int, thumbnail: bool = False):
    try:
        resolved = links.resolve_link(token, LinkScope.VIEW, model=Case)
        photo = selectors.guest_inspection_photo(permit=_guest_permit(resolved), pk=pk)
    except (links.LinkError, InspectionPhoto.DoesNotExist) as missing:
        raise Http404 from missing
    return _private(photo_response(photo, thumbnail=thumbnail))


@never_cache
@require_GET
def guest_invoice(request: HttpRequest, token: str, reference: str) -> HttpResponse:
    """Pay one of the permit's fees as a guest: a pay link to that invoice is issued (to the
    address the invoice was made out to) and opened. 404 for another permit's invoice."""
    try:
        invoice = selectors.guest_permit_invoice(
            permit=_resolved_permit(token), reference=reference
        )
    except Invoice.DoesNotExist as missing:
        raise Http404 from missing
    return _private(redirect(invoice_guest_link(invoice=invoice).path))


@never_cache
@require_GET
def guest_permit_card(request: HttpRequest, token: str) -> HttpResponse:
    return _private(permit_card_response(_resolved_permit(token)))


@never_cache
@require_GET
def guest_certificate(request: HttpRequest, token: str) -> HttpResponse:
    return _private(certificate_response(_resolved_permit(token)))
