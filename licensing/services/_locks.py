"""The application lock shared by the application and renewal services."""

from __future__ import annotations

from django.utils.translation import gettext as _

from licensing.exceptions import ApplicationChanged
from licensing.models import Application
from payments.services import invoice_lock


def lock_application(application_id: int, *, related: tuple[str, ...], **filters) -> Application:
    """Lock the application, after its invoice, and return it with `related` loaded.

    A payment locks the invoice, then marks what it paid for (application_mark_paid,
    renewal_mark_paid); taking the invoice first here keeps a service that voids it (a
    discarded draft, a fee that changed) from waiting for the payment while the payment waits
    for the application. The invoice changes only under the application's lock: if it changed
    between the two locks, ApplicationChanged asks the person to try again.
    `filters` narrow the lookup (Application.DoesNotExist if it does not match).
    """
    invoice_id = (
        Application.objects.filter(pk=application_id, **filters)
        .values_list("invoice_id", flat=True)
        .get()
    )
    if invoice_id is not None:
        invoice_lock(invoice_id=invoice_id)
    locked = (
        Application.objects.select_for_update(of=("self",), no_key=True)
        .select_related(*related)
        .get(pk=application_id, **filters)
    )
    if locked.invoice_id != invoice_id:
        raise ApplicationChanged(
            _("This request changed while you were working on it. Please try again.")
        )
    return locked
