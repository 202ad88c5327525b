"""The refund of a payment from the workbench's case page: the form on the page, then a
confirmation page of its own (no JavaScript needed), then back to the case."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import permissions, selectors
from cases.workbench.case_page import case_page_again
from cases.workbench.panels import panels_for
from payments.case_panel import CaseRefundForm, InvoicesPanel
from payments.exceptions import RefundRefused
from payments.gateways import GatewayError
from payments.models import Refund
from payments.services import refund_issue


def _case_and_payment(request: HttpRequest, reference: str, payment_id: int):
    case = selectors.cases_visible_to(user=request.user).filter(reference=reference).first()
    if case is None:
        raise Http404
    if not permissions.can(request.user, permissions.REFUND, case):
        raise PermissionDenied(_("Only a cashier or a supervisor may refund a payment."))
    for shown in panels_for(case=case, user=request.user):
        if isinstance(shown.panel, InvoicesPanel) and (payment := shown.panel.payment(payment_id)):
            return case, payment
    raise Http404


@require_POST
def case_refund(request: HttpRequest, reference: str, payment_id: int) -> HttpResponse:
    case, payment = _case_and_payment(request, reference, payment_id)
    form = CaseRefundForm(request.POST, prefix=f"refund-{payment.pk}")
    error = ""
    if form.is_valid():
        if request.POST.get("confirmed") != "yes":
            return _confirm(request, case, payment, form)
        try:
            refund = refund_issue(
                payment=payment,
                amount_cents=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                idempotency_key=form.confirmation_key(),
            )
        except RefundRefused as refusal:
            error = str(refusal)
        except GatewayError:
            error = _("The payment provider refused the refund; nothing was refunded.")
        else:
            if refund.status == Refund.Status.PENDING:
                messages.warning(
                    request,
                    _(
                        "The payment provider has not answered yet. The refund is recorded "
                        "as in progress and will be completed automatically."
                    ),
                )
            else:
                messages.success(request, _("Refund issued; the payer is being told."))
            return redirect("workbench:case", reference=case.reference)
    else:
        error = " ".join(
            f"{form.fields[name].label}: {message}" if name in form.fields else str(message)
            for name, messages_ in form.errors.items()
            for message in messages_
        )
    # Refused: the case page again, the refund form keeping what was typed.
    form.payment_id = payment.pk
    return case_page_again(request, case, error=error, panel_form=form)


def _confirm(request, case, payment, form) -> HttpResponse:
    return render(
        request,
        "payments/workbench/refund_confirm.html",
        {
            "case": case,
            "payment": payment,
            "invoice": payment.invoice,
            "form": form,
            "amount_cents": form.cleaned_data["amount"],
            "key": form.confirmation_key(),
        },
    )
