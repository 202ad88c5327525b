"""The invoices of a case on the workbench's case page, and refunds from there.

Payments does not know which invoices belong to a case (an invoice points at what it pays
for, not at the case): each domain app registers a case panel (`cases.workbench.panels`)
whose `read` finds its case's invoices and returns `invoices_panel(invoices=..., user=...)`.
The refund view finds the payment among the invoices those panels show for the case, so a
member of staff refunds only what the case page shows them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import forms
from django.db.models import Prefetch, QuerySet

from cases import permissions
from payments.forms import RefundForm
from payments.models import Invoice, Payment, Refund

TEMPLATE = "payments/workbench/_case_invoices.html"


@dataclass(frozen=True)
class InvoicesPanel:
    invoices: list[Invoice]
    may_refund: bool

    def payment(self, payment_id: int) -> Payment | None:
        for invoice in self.invoices:
            for payment in invoice.payments.all():
                if payment.pk == payment_id:
                    return payment
        return None


def invoices_panel(*, invoices: QuerySet[Invoice], user) -> InvoicesPanel | None:
    """`invoices` (already chosen by the case's app) with their payments and refunds, for the
    case page; None when there is none. Three queries whatever their number."""
    rows = list(
        invoices.prefetch_related(
            Prefetch(
                "payments",
                queryset=Payment.objects.order_by("created_at", "pk").prefetch_related(
                    Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "pk"))
                ),
            )
        ).order_by("created_at", "pk")
    )
    if not rows:
        return None
    return InvoicesPanel(invoices=rows, may_refund=permissions.can(user, permissions.REFUND))


class CaseRefundForm(RefundForm):
    """A refund from the case page; `key` is given on the confirmation page and makes a
    repeated submission (a double click) refund once."""

    key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def confirmation_key(self) -> uuid.UUID:
        return self.cleaned_data.get("key") or uuid.uuid4()
