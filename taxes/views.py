"""The public tax bill pages: find a bill, then see it in full after a second factor.

Before the factor, a bill shows only what the assessor publishes (parcel and bill numbers,
year, property address). The owner's last name or the bill's access code opens the rest for
this browser's session. Searches and factor attempts are counted per client address; a
wrong factor counts like any other attempt.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.ratelimit import allow, client_address
from taxes import selectors
from taxes.charges import agency_date
from taxes.forms import BillFactorForm, BillSearchForm

SESSION_KEY = "taxes:bills_opened"
FACTOR_WINDOW_SECONDS = 15 * 60


@never_cache
@require_http_methods(["GET"])
def bill_search(request: HttpRequest) -> HttpResponse:
    form = BillSearchForm(request.GET if "query" in request.GET else None)
    bills, status = None, 200
    if form.is_bound and form.is_valid():
        key = f"taxes:lookup:{client_address(request)}"
        if not allow(key, limit=settings.TAXES_LOOKUP_PER_MINUTE, window_seconds=60):
            form.add_error(None, _("Too many searches. Please wait a minute and try again."))
            status = 429
        else:
            bills = selectors.bills_search(query=form.cleaned_data["query"])
    elif form.is_bound:
        status = 400
    return render(request, "taxes/bill_search.html", {"form": form, "bills": bills}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def bill_detail(request: HttpRequest, number: str) -> HttpResponse:
    bill = selectors.bill_for_public(number=number)
    if bill is None:
        raise Http404
    opened = request.session.get(SESSION_KEY, [])
    if bill.pk in opened:
        context = selectors.bill_for_owner_view(bill=bill, on=agency_date(timezone.now()))
        return render(request, "taxes/bill_detail.html", context)
    form = BillFactorForm(request.POST or None)
    limited = False
    if request.method == "POST" and form.is_valid():
        key = f"taxes:factor:{client_address(request)}"
        limit = settings.TAXES_FACTOR_ATTEMPTS_PER_15_MINUTES
        if not allow(key, limit=limit, window_seconds=FACTOR_WINDOW_SECONDS):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
            limited = True
        elif selectors.bill_factor_matches(bill=bill, factor=form.cleaned_data["factor"]):
            request.session[SESSION_KEY] = [*opened, bill.pk][-20:]
            return redirect("taxes:bill", number=bill.number)
        else:
            form.add_error(
                "factor",
                _(
                    "That is not the owner's last name or the bill's access code. Check it "
                    "against the bill."
                ),
            )
    status = 429 if limited else 400 if form.errors else 200
    return render(request, "taxes/bill_factor.html", {"bill": bill, "form": form}, status=status)
