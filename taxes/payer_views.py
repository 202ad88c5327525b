"""Pages around paying: the owner's one-click refund of a credit and receipt download (on
the opened bill), bulk payers' batches, and the staff workbench's list of credits to refund.

Thin: each view checks who may act (the bill opened in this session with its second factor,
the batch's uploader, a member of staff with the refund role), calls one service, and
redirects with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import permissions
from payments import services as payments
from payments.exceptions import InvoiceNotPayable, OnlinePaymentUnavailable, RefundRefused
from payments.gateways import GatewayError
from payments.models import PaymentStatus
from payments.pdf import receipt_filename, receipt_pdf
from taxes import escrow_selectors, payer_selectors, selectors
from taxes.exceptions import BatchRefused, CreditNotRefundable
from taxes.forms import BatchUploadForm
from taxes.services import batches, credits
from taxes.views import INVOICES_KEY, SESSION_KEY


def _opened_bill(request: HttpRequest, number: str):
    bill = selectors.bill_for_public(number=number)
    if bill is None:
        raise Http404
    if bill.pk not in request.session.get(SESSION_KEY, []):
        return bill, False
    return bill, True


def _refund(request: HttpRequest, **kwargs) -> None:
    """Refund one credit, telling the person what happened."""
    try:
        refund = credits.credit_refund(**kwargs)
    except CreditNotRefundable as error:
        messages.error(request, str(error))
    except (RefundRefused, GatewayError, OnlinePaymentUnavailable):
        messages.error(
            request,
            _("The payment service did not refund the credit. Please try again later."),
        )
    else:
        if refund is None:
            messages.info(request, _("This credit's refund was already asked for."))
        else:
            messages.success(
                request,
                _(
                    "The credit is refunded to the card or account that paid it. It may take "
                    "a few days to show."
                ),
            )


@never_cache
@require_POST
def credit_refund(request: HttpRequest, number: str, payment_id: int) -> HttpResponse:
    """The owner's one click: refund a credit of the opened bill."""
    bill, opened = _opened_bill(request, number)
    if opened:
        user = request.user if request.user.is_authenticated else None
        _refund(request, bill_payment_id=payment_id, bill_id=bill.pk, actor=user)
    return redirect("taxes:bill", number=bill.number)


@never_cache
@require_GET
def receipt_download(request: HttpRequest, number: str, receipt_number: str) -> HttpResponse:
    """A receipt of a payment of the opened bill, made by this visitor, as PDF."""
    bill, opened = _opened_bill(request, number)
    if not opened:
        raise Http404
    receipt = payer_selectors.receipt_for_payer(
        bill=bill,
        user=request.user,
        invoice_ids=request.session.get(INVOICES_KEY, []),
        number=receipt_number,
    )
    if receipt is None:
        raise Http404
    response = HttpResponse(receipt_pdf(receipt=receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(receipt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Bulk payers -------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponse:
    """Upload a file of parcels and amounts; the payer's earlier batches."""
    form = BatchUploadForm(request.POST or None, request.FILES or None)
    errors, status = None, 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = batches.batch_upload(stream=upload, file_name=upload.name, payer=request.user)
        except BatchRefused as refused:
            errors, status = refused, 400
        else:
            return redirect("taxes:batch", batch_id=batch.pk)
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "refused": errors,
        "batches": payer_selectors.batches_of(user=request.user)[:50],
        "lender": escrow_selectors.lenders_of(user=request.user).exists(),
    }
    return render(request, "taxes/batch_list.html", context, status=status)


@login_required
@never_cache
@require_GET
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = payer_selectors.batch_of(user=request.user, batch_id=batch_id)
    if batch is None:
        raise Http404
    return render(request, "taxes/batch_detail.html", payer_selectors.batch_report(batch=batch))


@login_required
@never_cache
@require_POST
def batch_pay(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = payer_selectors.batch_of(user=request.user, batch_id=batch_id)
    if batch is None:
        raise Http404
    page = request.build_absolute_uri(reverse("taxes:batch", kwargs={"batch_id": batch.pk}))
    try:
        invoice = batches.batch_payment_start(batch=batch, payer=request.user)
        payment = payments.payment_attempt_start(
            invoice=invoice, success_url=f"{page}?payment=done", cancel_url=page
        )
    except BatchRefused as refused:
        messages.error(request, str(refused))
    except InvoiceNotPayable as error:
        messages.error(request, str(error))
    except (OnlinePaymentUnavailable, GatewayError):
        messages.error(
            request, _("The payment service did not answer. Please try again in a few minutes.")
        )
    else:
        if payment.status == PaymentStatus.PENDING:
            response = redirect(payment.checkout_url)
            response.status_code = 303
            return response
    return redirect("taxes:batch", batch_id=batch.pk)


# --- Staff: credits to refund --------------------------------------------------------------


def _require_refund_role(user) -> None:
    if not permissions.can(user, permissions.REFUND):
        raise PermissionDenied(_("Your staff role does not allow refunds."))


@never_cache
@require_GET
def staff_credits(request: HttpRequest) -> HttpResponse:
    _require_refund_role(request.user)
    context = {
        "credits": list(payer_selectors.credits_to_refund()[:200]),
        "recent": payer_selectors.credit_refunds_recent(),
    }
    return render(request, "taxes/staff_credits.html", context)


@never_cache
@require_POST
def staff_credit_refund(request: HttpRequest, payment_id: int) -> HttpResponse:
    _require_refund_role(request.user)
    _refund(request, bill_payment_id=payment_id, actor=request.user, by_staff=True)
    return redirect("taxes_credits:list")
