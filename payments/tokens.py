"""Guest links to one invoice: to pay it (and see it), or to see it and its receipts.

Issued and read by `cases.links` (hashed, scoped, expiring, revocable): a pay link lasts
settings.PAYMENTS_GUEST_LINK_DAYS and lets its holder see the invoice, pay it and download
its receipts; a view link (the one a receipt e-mail carries) does all that but pay. Once
the invoice belongs to an account (its payer signs in), every guest link to it asks to sign
in instead.

Links signed before (``TimestampSigner(salt="payments.guest-invoice").sign(reference)``)
keep working until PAYMENTS_GUEST_LINK_DAYS after they were signed (`register`).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse

from cases import links
from cases.links import LinkScope

_SALT = "payments.guest-invoice"
GUEST_PAGE = "payments:guest_invoice"


def _ttl() -> datetime.timedelta:
    return datetime.timedelta(days=settings.PAYMENTS_GUEST_LINK_DAYS)


def invoice_guest_link(*, invoice, scope: str = LinkScope.PAY) -> links.IssuedLink:
    """Issue a link to `invoice` for its guest payer (sent to the invoice's e-mail address)."""
    return links.issue_link(invoice, scope, page=GUEST_PAGE, email=invoice.guest_email, ttl=_ttl())


def guest_token(*, invoice, scope: str = LinkScope.PAY) -> str:
    return invoice_guest_link(invoice=invoice, scope=scope).token


def invoice_url(*, invoice) -> str:
    """The absolute link a payer uses to see and pay `invoice`.

    The account's invoice page for a resident (they sign in), a guest pay link otherwise.
    Domain apps may put it in their own messages.
    """
    if invoice.payer_id is not None:
        path = reverse("payments:invoice", kwargs={"reference": invoice.reference})
    else:
        path = invoice_guest_link(invoice=invoice).path
    return f"{settings.SITE_URL}{path}"


def receipt_url(*, receipt) -> str:
    """The absolute link to download `receipt` (account page, or a guest view link)."""
    invoice = receipt.invoice
    if invoice.payer_id is not None:
        path = reverse(
            "payments:receipt", kwargs={"reference": invoice.reference, "number": receipt.number}
        )
    else:
        token = guest_token(invoice=invoice, scope=LinkScope.VIEW)
        path = reverse("payments:guest_receipt", kwargs={"token": token, "number": receipt.number})
    return f"{settings.SITE_URL}{path}"


def _read_reference(payload):
    from payments.models import Invoice

    if not isinstance(payload, str):
        return None
    return Invoice.objects.filter(reference=payload).first()


def register() -> None:
    """Declare how invoice links behave (called once, from PaymentsConfig.ready)."""
    from payments.models import Invoice

    links.register_target(
        Invoice,
        is_claimed=lambda invoice: invoice.payer_id is not None,
        contact=lambda invoice: (invoice.guest_email, ""),
    )
    links.register_legacy_format(
        links.LegacyFormat(
            salt=_SALT,
            model=Invoice,
            scope=LinkScope.PAY,
            page=GUEST_PAGE,
            read=_read_reference,
            max_age=lambda invoice: _ttl(),
            timestamp_signer=True,
        )
    )
