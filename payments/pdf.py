"""PDF receipts, drawn with WeasyPrint from templates/payments/pdf/receipt.html.

A receipt is drawn on demand from its row (amounts, method and dates never change once
written), so nothing is stored on disk and any web server can answer a download. The agency's
branding comes from settings.AGENCY; the logo is embedded from the static files, and nothing
is ever fetched over the network while drawing.
"""

from __future__ import annotations

import base64
import mimetypes

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation

from payments.models import Receipt


def _logo_data_uri() -> str:
    """The agency's logo as a data: URI when it is one of the portal's static files, else ""."""
    logo_url = settings.AGENCY.get("logo_url", "")
    if not logo_url.startswith(settings.STATIC_URL):
        return ""
    path = finders.find(logo_url.removeprefix(settings.STATIC_URL))
    if not path:
        return ""
    mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
    with open(path, "rb") as logo:
        encoded = base64.b64encode(logo.read()).decode("ascii")
    return f"data:{mime};base64,{encoded}"


def receipt_context(receipt: Receipt) -> dict:
    invoice = receipt.invoice
    return {
        "receipt": receipt,
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "payment": receipt.payment,
        "refund": receipt.refund,
        "agency": settings.AGENCY,
        "logo": _logo_data_uri(),
        "issued_at": timezone.localtime(receipt.issued_at),
    }


def receipt_pdf(*, receipt: Receipt, language: str | None = None) -> bytes:
    """Return the PDF of `receipt`, in `language` (default: the active language)."""
    # Imported here: WeasyPrint (with its fonts and image libraries) is the largest import
    # of the portal, and a web worker that never draws a receipt should not carry it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with translation.override(language or translation.get_language()):
        html = render_to_string("payments/pdf/receipt.html", receipt_context(receipt))
    # Only data: URIs: a receipt never reaches out to the network or the disk. Tagged, so
    # screen readers read the receipt in order, with its table's headers.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_tags=True)


def receipt_filename(receipt: Receipt) -> str:
    return f"receipt-{receipt.number}.pdf"
