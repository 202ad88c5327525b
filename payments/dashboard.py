"""The "To pay" section of the resident's dashboard (see portal/dashboard.py): the person's
invoices still due, shown only when there is one. Every service's fees and bills are
invoices, so a new service's bills appear here without a section of their own."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F

from payments.models import Invoice, InvoiceStatus
from portal.dashboard import Section


@dataclass(frozen=True)
class InvoicesDue:
    shown: list[Invoice]  # the invoices due soonest first (those without a due date last)
    more: bool  # whether more are due than those


def invoices_due(*, user, limit: int) -> InvoicesDue | None:
    """`user`'s `limit` invoices due soonest, in one query; None if nothing is due."""
    if user is None or not user.is_authenticated:
        return None
    invoices = list(
        Invoice.objects.filter(payer=user, status=InvoiceStatus.OPEN).order_by(
            F("due_date").asc(nulls_last=True), "created_at", "id"
        )[: limit + 1]
    )
    if not invoices:
        return None
    return InvoicesDue(shown=invoices[:limit], more=len(invoices) > limit)


SECTION = Section(
    key="payments.due",
    template="payments/_dashboard_due.html",
    read=invoices_due,
    limit=5,
    order=30,
)
