"""The invoices of a license application, renewal or complaint (its fines) on the
workbench's case page, shown and refunded through the payments app's case panel.

A fine recorded against a license without a complaint is billed to the license itself (the
invoice's subject is the license): it shows on the case of the application that issued the
license and on the cases of its renewals."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from cases.workbench.panels import Panel, register
from licensing.models import License
from payments.case_panel import TEMPLATE, invoices_panel
from payments.models import Invoice


def license_invoices(*, case, user):
    """The invoices of the application or complaint that is `case` (the case page has
    checked `user` may see the case); None when it has none."""
    licenses = License.objects.filter(Q(application__case=case) | Q(renewals__case=case))
    invoices = Invoice.objects.filter(
        Q(license_application__case=case)
        | Q(license_fine__complaint__case=case)
        | Q(
            subject_type=ContentType.objects.get_for_model(License),
            subject_id__in=licenses.values("pk"),
        )
    ).distinct()
    return invoices_panel(invoices=invoices, user=user)


def register_panel() -> None:
    from licensing.workflow import KIND, KIND_COMPLAINT, RENEWAL_KIND

    register(
        Panel(
            key="licensing.invoices",
            kinds=(KIND, RENEWAL_KIND, KIND_COMPLAINT),
            template=TEMPLATE,
            read=license_invoices,
            order=80,
        )
    )
