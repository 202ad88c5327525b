"""Pages about licenses themselves: the public lookup, the holder's own license, its PDF
certificate and the page its QR code opens, and complaints against a licensee.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.signing import BadSignature
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cases.exceptions import SubmissionKeyTaken
from cases.tokens import guest_token as case_guest_token
from licensing import selectors, services
from licensing.forms import ComplaintForm, LookupForm
from licensing.pdf import certificate_filename, certificate_pdf
from licensing.ratelimit import complaint_allowed, lookup_allowed
from licensing.verification import number_from_verify_token, verify_token
from licensing.views.renewals import renewal_panel


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """The public lookup: holder, number or type; status, expiry; no contact details.

    Only searches (and their next pages) count against the per-address limit, not the
    empty form; a refusal says when to come back.
    """
    form = LookupForm(request.GET or None)
    query, license_type, page = "", None, None
    if form.is_valid():
        query, license_type = form.cleaned_data["q"].strip(), form.cleaned_data["type"]
    if query or license_type:
        if not lookup_allowed(request):
            response = render(request, "licensing/lookup_limited.html", status=429)
            response["Retry-After"] = "60"
            return response
        page = selectors.licenses_public_page(
            query=query,
            license_type_id=license_type.pk if license_type else None,
            cursor=request.GET.get("after", ""),
        )
    context = {
        "form": form,
        "query": query,
        "license_type": license_type,
        "page": page,
        "match_limit": selectors.LOOKUP_MATCH_LIMIT,
    }
    return render(request, "licensing/lookup.html", context)


@login_required
@require_GET
def license_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The holder's own license: its dates and status."""
    license = selectors.license_for_holder(user=request.user, number=number)
    verify_path = reverse("licensing:verify", kwargs={"token": verify_token(license=license)})
    context = {
        "license": license,
        "verify_path": verify_path,
        **renewal_panel(license=license),
    }
    return render(request, "licensing/license_detail.html", context)


# --- certificates and verification ---------------------------------------------------------


@login_required
@require_GET
def license_certificate(request: HttpRequest, number: str) -> HttpResponse:
    """The PDF certificate: for the holder, and for staff who may view licenses."""
    license = selectors.license_for_certificate(user=request.user, number=number)
    response = HttpResponse(certificate_pdf(license=license), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate_filename(license)}"'
    return response


@require_GET
def license_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The public page a certificate's QR code opens: what the lookup shows of one license."""
    try:
        license = selectors.license_public(number=number_from_verify_token(token))
    except BadSignature:
        license = None
    if license is None:
        return render(request, "licensing/verify_invalid.html", status=404)
    return render(request, "licensing/verify.html", {"license": license, "token": token})


# --- complaints ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest, number: str) -> HttpResponse:
    """Anyone complains about a licensee: signed in, or as a guest with a name and e-mail."""
    license = selectors.license_public(number=number)
    if license is None:
        raise Http404("No such license.")
    signed_in = request.user.is_authenticated
    form = ComplaintForm(request.POST or None, signed_in=signed_in)
    status = 400
    if request.method == "POST" and form.is_valid():
        if not complaint_allowed(request):
            form.add_error(
                None, _("You have sent many complaints lately. Wait an hour, or call us.")
            )
            status = 429
        else:
            try:
                complaint = services.complaint_file(
                    license=license,
                    details=form.cleaned_data["details"],
                    occurred_on=form.cleaned_data["occurred_on"],
                    user=request.user if signed_in else None,
                    guest_name=form.cleaned_data.get("name", ""),
                    guest_email=form.cleaned_data.get("email", ""),
                    submission=form.cleaned_data.get("submission"),
                )
            except SubmissionKeyTaken:
                form.add_error(
                    None,
                    _(
                        "This form was sent for another complaint: nothing was sent. "
                        "Check it and send it again."
                    ),
                )
                # A fresh key, so the form sent again is a complaint of its own.
                form.data = form.data.copy()
                form.data["submission"] = str(uuid.uuid4())
            else:
                return _complaint_sent(request, complaint.case)
    context = {"license": license, "form": form}
    return render(
        request, "licensing/complaint_new.html", context, status=status if form.errors else 200
    )


def _complaint_sent(request: HttpRequest, case) -> HttpResponse:
    """To the complaint's own page: the case page, or a guest's signed link to it."""
    messages.success(
        request,
        _("Your complaint was sent. Its reference is %(reference)s.")
        % {"reference": case.reference},
    )
    if case.applicant_id is not None:
        return redirect(case.get_absolute_url())
    return redirect("cases:guest", token=case_guest_token(case=case))
