"""Signed links that let a guest (no account) see, pay and get the receipts of one invoice.

The link carries the invoice reference signed with SECRET_KEY, a salt of its own and a
timestamp; it expires after settings.PAYMENTS_GUEST_LINK_DAYS. Anyone holding it can see that
one invoice, pay it and download its receipts, nothing else. A changed character or an old
link gives `signing.BadSignature` (`SignatureExpired` is a subclass).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "payments.guest-invoice"


def guest_token(*, invoice) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(invoice.reference)


def reference_from_guest_token(token: str) -> str:
    """Return the invoice reference in `token`; raise signing.BadSignature if forged or old."""
    max_age = datetime.timedelta(days=settings.PAYMENTS_GUEST_LINK_DAYS)
    return signing.TimestampSigner(salt=_SALT).unsign(token, max_age=max_age)


def invoice_url(*, invoice) -> str:
    """The absolute link a payer uses to see and pay `invoice`.

    The account's invoice page for a resident (they sign in), a signed guest link otherwise.
    Domain apps may put it in their own messages.
    """
    if invoice.payer_id is not None:
        path = reverse("payments:invoice", kwargs={"reference": invoice.reference})
    else:
        path = reverse("payments:guest_invoice", kwargs={"token": guest_token(invoice=invoice)})
    return f"{settings.SITE_URL}{path}"


def receipt_url(*, receipt) -> str:
    """The absolute link to download `receipt` (account page or signed guest link)."""
    invoice = receipt.invoice
    if invoice.payer_id is not None:
        path = reverse(
            "payments:receipt", kwargs={"reference": invoice.reference, "number": receipt.number}
        )
    else:
        path = reverse(
            "payments:guest_receipt",
            kwargs={"token": guest_token(invoice=invoice), "number": receipt.number},
        )
    return f"{settings.SITE_URL}{path}"
