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
import functools
import mimetypes

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation

from licensing.models import License
from licensing.verification import verify_url

QUIET_ZONE = 4


def qr_svg(data: str) -> str:
    """`data` as a QR code in SVG, one unit per module, with a four-module quiet zone.

    Medium error correction survives a scuffed print. The mask is fixed rather than chosen by
    scoring all eight, and the path is drawn here as one line a module thick per run of dark
    modules (two path commands each, where WeasyPrint's path parser is slow per command):
    both are valid QR and make the code many times faster to draw than the library's own SVG
    image, which matters because a certificate is drawn at each download.
    """
    import qrcode  # here, not at start-up: see `certificate_pdf`

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE, mask_pattern=0
    )
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            runs.append(f"M{start} {y}.5h{x - start}")
    size = len(matrix)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{"".join(runs)}" stroke="#000" stroke-width="1" fill="none"/></svg>'
    )


def _logo_data_uri() -> str:
    """The agency's logo as a data: URI when it is one of the portal's static files, else ""."""
    return _static_data_uri(settings.AGENCY.get("logo_url", ""))


@functools.lru_cache(maxsize=8)
def _static_data_uri(url: str) -> str:
    # Static files do not change while a process runs (a deploy restarts it), so the logo is
    # read once rather than at every download.
    if not url.startswith(settings.STATIC_URL):
        return ""
    path = finders.find(url.removeprefix(settings.STATIC_URL))
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
    # Imported here, as qrcode is in `qr_svg`: WeasyPrint is the portal's largest import, and
    # a web worker that never draws a certificate should not carry it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with translation.override(language or translation.get_language()):
        html = render_to_string("licensing/pdf/certificate.html", certificate_context(license))
    # Only data: URIs, as for receipts; tagged, so screen readers read it in order.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_tags=True)


def certificate_filename(license: License) -> str:
    return f"license-{license.number}.pdf"
