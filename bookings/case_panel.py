"""The booking's invoices (fee, deposit) on the workbench's case page, shown and refunded
through the payments app's case panel."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from bookings import workflow
from bookings.models import Booking
from cases.workbench.panels import Panel, register
from payments.case_panel import TEMPLATE, invoices_panel
from payments.models import Invoice


def booking_invoices(*, case, user):
    """The invoices of the booking that is `case` (the case page has checked `user` may see
    the case); None when it has none."""
    invoices = Invoice.objects.filter(
        subject_type=ContentType.objects.get_for_model(Booking),
        subject_id__in=Booking.objects.filter(case=case).values("pk"),
    )
    return invoices_panel(invoices=invoices, user=user)


def register_panel() -> None:
    register(
        Panel(
            key="bookings.invoices",
            kinds=(workflow.KIND,),
            template=TEMPLATE,
            read=booking_invoices,
            order=80,
        )
    )
