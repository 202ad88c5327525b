"""Pages of payments: the payer's invoice, pay, return, receipts, the local test gateway, and
the Stripe webhook. Thin: look up through a selector, call one service, render or redirect."""

from __future__ import annotations

import contextlib
import logging
import re

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.links import LinkScope
from payments import selectors, services
from payments.access import InvoiceAccess, invoice_page
from payments.exceptions import InvoiceNotPayable, OnlinePaymentUnavailable, PaymentRefused
from payments.forms import BillLookupForm, FindInvoiceForm, LocalCheckoutForm, PayForm
from payments.gateways import GatewayError, online_gateway
from payments.gateways.stripe import event_payload
from payments.models import (
    PAYABLE_STATUSES,
    SETTLED_STATUSES,
    Payment,
    PaymentGateway,
    PaymentStatus,
    Receipt,
    StripeEventStatus,
)
from payments.pdf import receipt_filename, receipt_pdf
from payments.tokens import guest_token
from portal.ratelimit import allow, client_address

logger = logging.getLogger("payments")

# Reference + e-mail look-ups per client address per window: enough for typos, too few to
# walk through references.
FIND_LIMIT = 10
FIND_WINDOW_SECONDS = 15 * 60

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")


def _receipts(access: InvoiceAccess) -> list[tuple]:
    return [(r, access.receipt_url(r.number)) for r in access.invoice.receipts.all()]


def _detail(request: HttpRequest, access: InvoiceAccess, form: PayForm, status: int = 200):
    invoice = access.invoice
    context = {
        "access": access,
        "invoice": invoice,
        "form": form,
        "receipts": _receipts(access),
        "payments": selectors.payments_of_invoice(invoice=invoice),
        "online": online_gateway() is not None,
        "local_gateway": settings.PAYMENTS_GATEWAY == "local",
    }
    return render(request, "payments/invoice_detail.html", context, status=status)


@never_cache
@require_GET
@invoice_page
def invoice_detail(request: HttpRequest, access: InvoiceAccess) -> HttpResponse:
    invoice = access.invoice
    if request.GET.get("cancelled") and invoice.is_payable:
        messages.info(request, _("Your payment was not completed. Nothing was charged."))
    return _detail(request, access, PayForm(invoice=invoice))


@never_cache
@require_POST
@invoice_page(scope=LinkScope.PAY)
def invoice_pay(request: HttpRequest, access: InvoiceAccess) -> HttpResponse:
    invoice = access.invoice
    form = PayForm(request.POST, invoice=invoice)
    if not form.is_valid():
        return _detail(request, access, form, status=400)
    try:
        payment = services.payment_attempt_start(
            invoice=invoice,
            success_url=request.build_absolute_uri(access.return_url),
            cancel_url=request.build_absolute_uri(access.detail_url + "?cancelled=1"),
            amount_cents=form.cleaned_data.get("amount"),
            payer_name=form.cleaned_data["payer_name"],
            payer_email=form.cleaned_data["payer_email"],
        )
    except PaymentRefused as error:
        form.add_error("amount" if "amount" in form.fields else None, str(error))
        return _detail(request, access, form, status=400)
    except (InvoiceNotPayable, OnlinePaymentUnavailable) as error:
        messages.error(request, str(error))
        return redirect(access.detail_url)
    except GatewayError:
        messages.error(
            request, _("The payment service did not answer. Please try again in a few minutes.")
        )
        return redirect(access.detail_url)
    if payment.status != PaymentStatus.PENDING:
        return redirect(access.return_url)
    response = redirect(payment.checkout_url)
    response.status_code = 303
    return response


@never_cache
@require_GET
@invoice_page
def invoice_return(request: HttpRequest, access: InvoiceAccess) -> HttpResponse:
    """Where the payer lands after the gateway: paid, still processing, or not completed.

    The visit itself proves nothing: if the webhook has not confirmed the payment yet, Stripe
    is asked for the session, and only its answer can settle the invoice.
    """
    invoice = access.invoice
    # A gateway's session id is letters, digits, "_" and "-"; anything else (a NUL byte, which
    # PostgreSQL refuses in text) matches no payment and is not looked up.
    session_id = request.GET.get("session_id", "")
    if not SESSION_ID.fullmatch(session_id):
        session_id = ""
    payment = (session_id and invoice.payments.filter(provider_reference=session_id).first()) or (
        selectors.latest_attempt(invoice=invoice)
    )
    if (
        payment is not None
        and payment.status == PaymentStatus.PENDING
        and payment.gateway == PaymentGateway.STRIPE
    ):
        # Stripe unreachable: the page says "processing" and the webhook will settle it.
        with contextlib.suppress(GatewayError):
            payment = services.payment_refresh(payment=payment)
        invoice.refresh_from_db()
    if invoice.status in SETTLED_STATUSES:
        state = "paid"
    elif payment is not None and payment.status == PaymentStatus.PENDING:
        state = "processing"
    elif payment is not None and payment.status == PaymentStatus.NEEDS_REVIEW:
        state = "review"
    else:
        state = "not_paid"
    context = {
        "access": access,
        "invoice": invoice,
        "payment": payment,
        "state": state,
        "receipts": _receipts(access),
        "emailing_receipt": invoice.payer_id is None or invoice.payer.notify_by_email,
    }
    return render(request, "payments/invoice_return.html", context)


@never_cache
@require_GET
@invoice_page
def receipt_download(request: HttpRequest, access: InvoiceAccess, number: str) -> HttpResponse:
    try:
        receipt = selectors.receipt_of_invoice(invoice=access.invoice, number=number)
    except Receipt.DoesNotExist:
        raise Http404 from None
    response = HttpResponse(receipt_pdf(receipt=receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(receipt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
@require_GET
def my_payments(request: HttpRequest) -> HttpResponse:
    invoices = list(selectors.invoices_for_user(user=request.user))
    receipts = []
    for invoice in invoices:
        access = InvoiceAccess(invoice=invoice)
        receipts.extend((invoice, *row) for row in _receipts(access))
    receipts.sort(key=lambda row: row[1].issued_at, reverse=True)
    context = {
        "to_pay": [i for i in invoices if i.status in PAYABLE_STATUSES],
        "invoices": invoices,
        "receipts": receipts,
    }
    return render(request, "payments/my_payments.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def find_invoice(request: HttpRequest) -> HttpResponse:
    """Reach an invoice by its reference and the payer's e-mail address."""
    form = FindInvoiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = f"payments:find:{client_address(request)}"
        if not allow(key, limit=FIND_LIMIT, window_seconds=FIND_WINDOW_SECONDS):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        else:
            invoice = selectors.invoice_find_by_reference(
                reference=form.cleaned_data["reference"], email=form.cleaned_data["email"]
            )
            if invoice is None:
                form.add_error(
                    None,
                    _("We could not find an invoice with that reference and e-mail address."),
                )
            elif invoice.payer_id is not None:
                path = reverse("payments:invoice", kwargs={"reference": invoice.reference})
                if request.user.pk == invoice.payer_id:
                    return redirect(path)
                messages.info(request, _("This invoice belongs to an account. Sign in to pay it."))
                return redirect_to_login(path)
            else:
                token = guest_token(invoice=invoice)
                return redirect("payments:guest_invoice", token=token)
    return render(request, "payments/find_invoice.html", {"form": form})


# Bill look-ups per client address per window, like the invoice look-up above.
BILL_LOOKUP_LIMIT = 10
BILL_LOOKUP_WINDOW_SECONDS = 15 * 60


@never_cache
@require_http_methods(["GET", "POST"])
def bill_lookup(request: HttpRequest) -> HttpResponse:
    """Reach a paper bill (a tax bill, a parcel's bills) by its number and a second factor.

    Nothing about a bill is shown without the factor, and a wrong number and a wrong factor
    get the same answer. One bill found goes straight to its page; several (a parcel's
    bills) are listed by reference, amount and status, each with its own link.
    """
    form = BillLookupForm(request.POST or None)
    found = None
    if request.method == "POST" and form.is_valid():
        key = f"payments:bills:{client_address(request)}"
        if not allow(key, limit=BILL_LOOKUP_LIMIT, window_seconds=BILL_LOOKUP_WINDOW_SECONDS):
            form.add_error(None, _("Too many attempts. Please wait 15 minutes and try again."))
        else:
            invoices = selectors.invoices_find_by_bill_number(
                number=form.cleaned_data["number"], factor=form.cleaned_data["factor"]
            )
            if not invoices:
                form.add_error(
                    None,
                    _(
                        "We could not find a bill with that number and that name or code. "
                        "Check both against your bill."
                    ),
                )
            elif len(invoices) == 1:
                return redirect("payments:guest_invoice", token=guest_token(invoice=invoices[0]))
            else:
                found = [(invoice, guest_token(invoice=invoice)) for invoice in invoices]
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request, "payments/bill_lookup.html", {"form": form, "found": found}, status=status
    )


@never_cache
@require_http_methods(["GET", "POST"])
def local_checkout(request: HttpRequest, public_id) -> HttpResponse:
    """The local test gateway's page: no money moves; approve or decline."""
    if settings.PAYMENTS_GATEWAY != "local":
        raise Http404
    try:
        payment = selectors.local_checkout_payment(public_id=public_id)
    except Payment.DoesNotExist:
        raise Http404 from None
    if payment.status != PaymentStatus.PENDING:
        return redirect(payment.success_url)
    form = LocalCheckoutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approved = form.cleaned_data["decision"] == "approve"
        services.payment_local_complete(payment=payment, approved=approved)
        return redirect(payment.success_url if approved else payment.cancel_url)
    context = {"form": form, "payment": payment, "invoice": payment.invoice}
    return render(request, "payments/local_checkout.html", context)


# `received` after applying: Stripe could not be reached to complete the event (the refunds
# of a charge): 503 has Stripe deliver it again later.
_EVENT_STATUS_CODES = {StripeEventStatus.UNMATCHED: 422, StripeEventStatus.RECEIVED: 503}


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's webhook: verify the signature, store the event by id, apply it once.

    400 for a missing or wrong signature or a body that is not an event (nothing stored);
    422 for an event about no invoice of this portal (stored, listed for staff); 503 for an
    event stored but not applied because Stripe could not be reached to complete it (Stripe
    delivers it again, and the redelivery applies it); 200 otherwise, including every
    redelivery of an event already stored and a refund kept waiting for its payment (the
    portal applies it itself when the payment comes).
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise Http404
    header = request.headers.get("Stripe-Signature", "")
    if not header:
        logger.warning("Stripe webhook refused: no signature")
        return JsonResponse({"error": "missing signature"}, status=400)
    try:
        body = request.body.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            body, header, secret, stripe.Webhook.DEFAULT_TOLERANCE
        )
        payload = event_payload(body)
    except stripe.SignatureVerificationError:
        logger.warning("Stripe webhook refused: bad or stale signature")
        return JsonResponse({"error": "invalid signature"}, status=400)
    except ValueError:
        # UnicodeDecodeError and json.JSONDecodeError are ValueErrors too.
        logger.warning("Stripe webhook refused: malformed payload")
        return JsonResponse({"error": "malformed payload"}, status=400)
    event = services.webhook_event_receive(payload=payload)
    return JsonResponse({"status": event.status}, status=_EVENT_STATUS_CODES.get(event.status, 200))
