"""License certificates, drawn with WeasyPrint from templates/licensing/pdf/certificate.html.

A certificate is drawn on demand from the license row, so it always shows today's status
(a suspended or revoked license never gets a clean-looking certificate) and nothing is stored
on disk for web servers to share. It carries the agency's branding from settings.AGENCY and a
QR code of the license's verification link, drawn as SVG so it stays sharp at any print size;
the same link is a clickable annotation and printed as text for those who type it. Nothing is
ever fetched over the network while drawing.
"""

from __future__ import annotations

import base64
import mimetypes

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from licensing.models import License
from licensing.verification import verify_url


def qr_svg(data: str) -> str:
    """`data` as a QR code in SVG: one path, a four-module quiet zone, medium error correction."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(data)
    code.make(fit=True)
    return code.make_image().to_string(encoding="unicode")


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
        return f"data:{mime};base64,{base64.b64encode(logo.read()).decode('ascii')}"


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def certificate_context(license: License) -> dict:
    url = verify_url(license=license)
    return {
        "license": license,
        "license_type": license.license_type,
        "agency": settings.AGENCY,
        "logo": _logo_data_uri(),
        "verify_url": url,
        "qr": _svg_data_uri(qr_svg(url)),
        "printed_on": timezone.localdate(),
    }


def certificate_pdf(*, license: License, language: str | None = None) -> bytes:
    """Return the PDF certificate of `license`, in `language` (default: the active language)."""
    with translation.override(language or translation.get_language()):
        html = render_to_string("licensing/pdf/certificate.html", certificate_context(license))
    # Only data: URIs, as for receipts; tagged, so screen readers read it in order.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_tags=True)


def certificate_filename(license: License) -> str:
    return f"license-{license.number}.pdf"
