"""Invoices a guest paid or owes join the account that verifies the guest's address."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cases.links import RevokedReason, links_revoke
from payments.models import Invoice


def invoices_claim(*, user, email: str) -> int:
    """Make `user` the payer of the invoices without an account billed to `email`.

    Called once the address is verified (cases.claims). Only invoices with no payer whose
    guest address is `email` (case-insensitive); their guest links then ask to sign in.
    Returns how many invoices were linked.
    """
    email = (email or "").strip()
    if not email or user is None:
        return 0
    with transaction.atomic():
        # Primary-key order, the invoice lock order of every payments service.
        invoices = list(
            Invoice.objects.select_for_update()
            .filter(payer__isnull=True, guest_email__iexact=email)
            .order_by("pk")
        )
        for invoice in invoices:
            Invoice.objects.filter(pk=invoice.pk).update(payer=user, updated_at=timezone.now())
            links_revoke(target=invoice, reason=RevokedReason.CLAIMED)
    return len(invoices)
