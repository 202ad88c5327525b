"""The public tax bill pages: find a bill, then see it in full after a second factor.

Before the factor, a bill shows only what the assessor publishes (parcel and bill numbers,
year, property address). The owner's last name or the bill's access code opens the rest for
this browser's session. Searches and factor attempts are counted per client address; a
wrong factor counts like any other attempt.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from payments import services as payments
from payments.exceptions import InvoiceNotPayable, OnlinePaymentUnavailable, PaymentRefused
from payments.gateways import GatewayError
from payments.models import PaymentStatus
from portal.ratelimit import allow, client_address
from taxes import payer_selectors, selectors
from taxes.charges import agency_date
from taxes.forms import BillFactorForm, BillPayForm, BillSearchForm, PayoffDateForm
from taxes.services import checkout

SESSION_KEY = "taxes:bills_opened"
# Invoices started in this browser: whose receipts its bill pages offer to download.
INVOICES_KEY = "taxes:invoices_started"
ESCROW_CONFIRMED = "escrow_confirmed"
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
        return _bill_page(request, bill)
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
            return redirect(_bill_url(bill, payoff_on=request.GET.get("payoff_on", "")))
        else:
            form.add_error(
                "factor",
                _(
                    "That is not the owner's last name or the bill's access code. Check it "
                    "against the bill."
                ),
            )
    status = 429 if limited else 400 if form.errors else 200
    context = {
        "bill": bill,
        "form": form,
        # The form is sent back to this address with its pay-off date, kept for the bill.
        "action": _bill_url(bill, payoff_on=request.GET.get("payoff_on", "")),
    }
    return render(request, "taxes/bill_factor.html", context, status=status)


def _bill_url(bill, *, payoff_on: str) -> str:
    """The bill's page, with the pay-off date a link asked for (checked by the bill page)."""
    url = reverse("taxes:bill", args=[bill.number])
    return f"{url}?{urlencode({'payoff_on': payoff_on})}" if payoff_on else url


def _pay_form(request: HttpRequest, options, data=None) -> BillPayForm:
    return BillPayForm(
        data,
        options=options,
        signed_in=request.user.is_authenticated,
        currency=settings.AGENCY["currency"],
    )


def _bill_page(request: HttpRequest, bill, form: BillPayForm | None = None, status: int = 200):
    on = agency_date(timezone.now())
    context = selectors.bill_for_owner_view(bill=bill, on=on)
    payoff_form = PayoffDateForm(
        request.GET if "payoff_on" in request.GET else None, today=on, auto_id="payoff_%s"
    )
    if payoff_form.is_bound and payoff_form.is_valid():
        context["chosen_payoff"] = selectors.bill_payoff(
            bill=bill, on=payoff_form.cleaned_data["payoff_on"]
        )
    elif payoff_form.is_bound and status == 200:
        status = 400
    context.update(
        payoff_form=payoff_form,
        pay_form=form or _pay_form(request, context["pay_options"]),
        minimum_cents=settings.TAXES_MINIMUM_PARTIAL_PAYMENT_CENTS,
        payment_returned=request.GET.get("payment") == "done",
        credits=payer_selectors.credits_of_bill(bill=bill),
        receipts=payer_selectors.receipts_for_payer(
            bill=bill,
            user=request.user,
            invoice_ids=request.session.get(INVOICES_KEY, []),
        ),
    )
    return render(request, "taxes/bill_detail.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def bill_pay(request: HttpRequest, number: str) -> HttpResponse:
    """Pay the opened bill: only after the second factor (else back to the bill, which asks
    for it, with nothing issued)."""
    bill = selectors.bill_for_public(number=number)
    if bill is None:
        raise Http404
    if request.method != "POST" or bill.pk not in request.session.get(SESSION_KEY, []):
        return redirect("taxes:bill", number=bill.number)
    options = selectors.bill_pay_options(bill=bill, on=agency_date(timezone.now()))
    form = _pay_form(request, options, request.POST)
    if form.is_valid() and bill.escrow_lender and not request.POST.get(ESCROW_CONFIRMED):
        # The lender is expected to pay: say what it will pay, and ask before taking money.
        context = {
            "bill": bill,
            "form": form,
            "chosen": dict(form.fields["choice"].choices).get(form.cleaned_data["choice"]),
            "owed_cents": options[-1].amount_cents if options else 0,
        }
        return render(request, "taxes/bill_escrow_confirm.html", context)
    if form.is_valid():
        data = form.cleaned_data
        signed_in = request.user.is_authenticated
        page = request.build_absolute_uri(reverse("taxes:bill", kwargs={"number": bill.number}))
        try:
            invoice = checkout.bill_payment_start(
                bill=bill,
                choice=data["choice"],
                amount_cents=data.get("amount"),
                user=request.user if signed_in else None,
                email=data.get("email", ""),
            )
            started = request.session.get(INVOICES_KEY, [])
            if invoice.pk not in started:
                request.session[INVOICES_KEY] = [*started, invoice.pk][-20:]
            payment = payments.payment_attempt_start(
                invoice=invoice, success_url=f"{page}?payment=done", cancel_url=page
            )
        except checkout.PaymentInvalid as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except (InvoiceNotPayable, PaymentRefused) as error:
            form.add_error(None, str(error))
        except (OnlinePaymentUnavailable, GatewayError):
            form.add_error(
                None, _("The payment service did not answer. Please try again in a few minutes.")
            )
        else:
            if payment.status != PaymentStatus.PENDING:
                return redirect(
                    f"{reverse('taxes:bill', kwargs={'number': bill.number})}?payment=done"
                )
            response = redirect(payment.checkout_url)
            response.status_code = 303
            return response
    return _bill_page(request, bill, form=form, status=400)
