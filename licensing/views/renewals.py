"""Renewal pages, for a signed-in holder and for a holder without an account.

The same three pages serve both: the details and attestations (one form), "check and pay",
and the status page. A signed-in holder reaches them by the renewal's reference; a holder
without an account by the signed link of their reminder, which starts the renewal and then
hands over to a signed link of the renewal itself (`licensing.services.renewal_links`), so
the status page still opens after the renewal has moved the license's expiry on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cases.links import LinkError, LinkInvalid
from cases.models import CaseStatus
from cases.questions.summary import answer_rows
from cases.selectors import resident_timeline
from cases.views import link_problem
from licensing import selectors, services
from licensing.exceptions import (
    AlreadyPaid,
    ApplicationChanged,
    ApplicationIncomplete,
    ApplicationNotEditable,
    LicensingError,
)
from licensing.fees import renewal_fee
from licensing.forms import RenewalForm
from licensing.models import Application
from licensing.services import renewal_links
from payments.exceptions import InvoiceNotPayable, OnlinePaymentUnavailable
from payments.gateways import GatewayError
from payments.services import payment_attempt_start
from payments.tokens import invoice_url


@dataclass(frozen=True)
class RenewalAccess:
    """Who is on the page (an account, or the bearer of a signed link) and where pages are."""

    application: Application
    actor: object | None
    by_link: bool
    token: str = ""

    def url(self, page: str) -> str:
        if self.by_link:
            return reverse(f"licensing:renew_guest_{page}", kwargs={"token": self.token})
        return reverse(
            f"licensing:renew_{page}", kwargs={"reference": self.application.case.reference}
        )


def _access(request: HttpRequest, reference: str | None, token: str | None) -> RenewalAccess:
    if token is not None:
        application = renewal_links.renewal_from_guest_token(token)
        return RenewalAccess(application, None, True, token)
    application = selectors.renewal_for_holder(user=request.user, reference=reference)
    return RenewalAccess(application, request.user, False)


def _invalid_link(request: HttpRequest, error: LinkError, token: str) -> HttpResponse:
    """A link that does not work: altered or stale (404), or one a fresh link can replace."""
    if isinstance(error, LinkInvalid):
        return render(request, "licensing/renew_link_invalid.html", status=404)
    return link_problem(request, error, token=token)


def renewal_page(view):
    """Resolve the renewal from the reference (signed in) or the signed token (no account)."""

    def wrapped(request: HttpRequest, reference: str | None = None, token: str | None = None):
        if token is None and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            access = _access(request, reference, token)
        except LinkError as error:
            return _invalid_link(request, error, token)
        return view(request, access)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return never_cache(wrapped)


def renewal_panel(*, license) -> dict:
    """What the holder's license page shows about renewing: the open renewal, today's fee or
    why it cannot be renewed now, and the license's own timeline."""
    fee, refusal = None, ""
    try:
        fee = renewal_fee(license=license)
    except LicensingError as error:
        refusal = str(error)
    return {
        "renewal": services.renewal_open_for(license=license),
        "renewal_fee": fee,
        "renewal_refusal": refusal,
        "license_events": selectors.license_timeline(license=license),
    }


@login_required
@require_POST
def renew_start(request: HttpRequest, number: str) -> HttpResponse:
    """The holder's "Renew" button on their license page."""
    license = selectors.license_for_holder(user=request.user, number=number)
    try:
        application = services.renewal_start(license=license, actor=request.user)
    except LicensingError as error:
        messages.error(request, str(error))
        return redirect(license.get_absolute_url())
    return redirect("licensing:renew_details", reference=application.case.reference)


@never_cache
@require_http_methods(["GET", "POST"])
def renew_link(request: HttpRequest, token: str) -> HttpResponse:
    """The reminder's signed link: what is due, and a button that starts the renewal."""
    try:
        license = renewal_links.license_from_renewal_link(token)
    except LinkError as error:
        return _invalid_link(request, error, token)
    error = ""
    fee = None
    try:
        fee = renewal_fee(license=license)
    except LicensingError as refusal:
        error = str(refusal)
    if request.method == "POST" and not error:
        try:
            application = services.renewal_start(license=license, actor=None, by_link=True)
        except LicensingError as refusal:
            error = str(refusal)
        else:
            guest = renewal_links.renewal_guest_token(application=application)
            return redirect("licensing:renew_guest_details", token=guest)
    context = {"license": license, "fee": fee, "error": error}
    return render(request, "licensing/renew_link.html", context, status=400 if error else 200)


@renewal_page
@require_http_methods(["GET", "POST"])
def renew_details(request: HttpRequest, access: RenewalAccess) -> HttpResponse:
    application = access.application
    if application.case.status != CaseStatus.DRAFT or application.paid_at is not None:
        return redirect(access.url("status"))
    questions = selectors.questions_for(application=application)
    form = RenewalForm(
        request.POST or None,
        request.FILES or None,
        application=application,
        questions=questions,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.renewal_save(
                application=application,
                actor=access.actor,
                by_link=access.by_link,
                answers=form.answers(),
                uploads=form.uploads(),
                **form.details(),
            )
        except ApplicationIncomplete as error:
            for code, message in error.error_dict.items():
                form.add_error(code, message)
        except (ValidationError, ApplicationChanged) as error:
            form.add_error(None, error)
        except ApplicationNotEditable as error:
            messages.error(request, str(error))
            return redirect(access.url("status"))
        else:
            return redirect(access.url("check"))
    context = {
        "access": access,
        "application": application,
        "form": form,
        "discard_url": access.url("discard"),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "licensing/renew_details.html", context, status=status)


def _summary(application: Application) -> list[tuple[str, str]]:
    return answer_rows(selectors.questions_for(application=application), application.answers)


@renewal_page
@require_http_methods(["GET", "POST"])
def renew_check(request: HttpRequest, access: RenewalAccess) -> HttpResponse:
    """Check your answers, see today's fee (with the late fee in grace), and pay."""
    application = access.application
    if application.case.status != CaseStatus.DRAFT or application.paid_at is not None:
        return redirect(access.url("status"))
    problems = services.renewal_problems(application=application)
    fee, refusal = None, ""
    try:
        fee = renewal_fee(license=application.renews)
    except LicensingError as error:
        refusal = str(error)
    if request.method == "POST":
        try:
            invoice = services.renewal_request_payment(
                application=application, actor=access.actor, by_link=access.by_link
            )
        except ApplicationIncomplete as error:
            problems = error.messages
        except AlreadyPaid as error:
            messages.error(request, str(error))
            return redirect(access.url("status"))
        except LicensingError as error:
            refusal = str(error)
        else:
            return _pay(request, access, invoice)
    context = {
        "access": access,
        "application": application,
        "license": application.renews,
        "answers": _summary(application),
        "details_url": access.url("details"),
        "problems": problems,
        "fee": fee,
        "refusal": refusal,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "licensing/renew_check.html", context, status=status)


def _pay(request: HttpRequest, access: RenewalAccess, invoice) -> HttpResponse:
    """Off to the gateway, coming back to the renewal's status page (not the invoice's)."""
    try:
        payment = payment_attempt_start(
            invoice=invoice,
            success_url=request.build_absolute_uri(access.url("status")),
            cancel_url=request.build_absolute_uri(access.url("check")),
        )
    except (InvoiceNotPayable, OnlinePaymentUnavailable, GatewayError):
        # The invoice page explains what went wrong and offers the other ways to pay.
        return redirect(invoice_url(invoice=invoice))
    if not payment.checkout_url:
        return redirect(access.url("status"))
    response = redirect(payment.checkout_url)
    response.status_code = 303
    return response


@renewal_page
@require_http_methods(["GET"])
def renew_status(request: HttpRequest, access: RenewalAccess) -> HttpResponse:
    """Where the renewal stands, the license's expiry now, and (without an account) an offer
    to create one."""
    application = access.application
    application.case.refresh_from_db()
    license = application.renews
    license.refresh_from_db()
    invoice = application.invoice
    context = {
        "access": access,
        "application": application,
        "case": application.case,
        "license": license,
        "invoice_link": invoice_url(invoice=invoice) if invoice is not None else "",
        "offer_account": access.by_link and license.holder_id is None,
        "timeline": resident_timeline(case=application.case),
        "details_url": access.url("details"),
    }
    return render(request, "licensing/renew_status.html", context)


@renewal_page
@require_POST
def renew_discard(request: HttpRequest, access: RenewalAccess) -> HttpResponse:
    try:
        services.renewal_discard(
            application=access.application, actor=access.actor, by_link=access.by_link
        )
    except LicensingError as error:
        messages.error(request, str(error))
        return redirect(access.url("status"))
    messages.success(request, _("The renewal was discarded."))
    if access.by_link:
        return redirect("portal:home")
    return redirect(access.application.renews.get_absolute_url())
