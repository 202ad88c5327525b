"""The permit's invoices (application fee, permit fee, re-inspection fees) on the
workbench's case page, shown and refunded through the payments app's case panel."""

from __future__ import annotations

from django.db.models import Q

from cases.workbench.panels import Panel, register
from payments.case_panel import TEMPLATE, invoices_panel
from payments.models import Invoice
from permits import workflow


def permit_invoices(*, case, user):
    """The invoices of the permit that is `case` (the case page has checked `user` may see
    the case); None when it has none. One query, and the panel's prefetches."""
    invoices = Invoice.objects.filter(
        Q(permit_application__case=case)
        | Q(permit_issuance__permit__case=case)
        | Q(permit_inspection__permit__case=case)
    ).distinct()
    return invoices_panel(invoices=invoices, user=user)


def register_panel() -> None:
    register(
        Panel(
            key="permits.invoices",
            kinds=(workflow.KIND,),
            template=TEMPLATE,
            read=permit_invoices,
            order=80,
        )
    )
