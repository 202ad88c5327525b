"""The permit card to post on site and the certificate of occupancy, drawn with WeasyPrint.

Both are drawn on demand from the rows, so they always show today's state (an expired or
cancelled permit says so in red rather than looking valid) and nothing is stored on disk for
web servers to share. The permit card carries a QR code of the permit's public status page
(`permits:public`), drawn as SVG by the license certificates' `qr_svg`; nothing is fetched
over the network while drawing.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from licensing.pdf import _logo_data_uri, _svg_data_uri, qr_svg
from permits import workflow as wf
from permits.models import CertificateOfOccupancy, Permit


def public_url(permit: Permit) -> str:
    """The absolute address of the permit's public status page."""
    path = reverse("permits:public", kwargs={"reference": permit.case.reference})
    return f"{settings.SITE_URL}{path}"


def _render(template: str, context: dict, language: str | None) -> bytes:
    # Imported here: WeasyPrint is the portal's largest import (see licensing/pdf.py).
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with translation.override(language or translation.get_language()):
        html = render_to_string(template, context)
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_tags=True)


def permit_card_context(permit: Permit) -> dict:
    url = public_url(permit)
    issuance = getattr(permit, "issuance", None)
    return {
        "permit": permit,
        "case": permit.case,
        "permit_type": permit.permit_type,
        "contractor": permit.contractor_license,
        "conditions": issuance.conditions if issuance else "",
        "steps": list(permit.permit_type.inspection_steps.all()),
        "in_force": permit.case.status in wf.IN_FORCE,
        "finaled": permit.case.status == wf.FINALED,
        "status_label": permit.case.status_label,
        "agency": settings.AGENCY,
        "logo": _logo_data_uri(),
        "public_url": url,
        "qr": _svg_data_uri(qr_svg(url)),
        "printed_on": timezone.localdate(),
    }


def permit_card_pdf(*, permit: Permit, language: str | None = None) -> bytes:
    """The PDF permit card of an issued permit, in `language` (default: the active one)."""
    return _render("permits/pdf/permit_card.html", permit_card_context(permit), language)


def certificate_of_occupancy_pdf(
    *, certificate: CertificateOfOccupancy, language: str | None = None
) -> bytes:
    permit = certificate.permit
    url = public_url(permit)
    context = {
        "certificate": certificate,
        "permit": permit,
        "case": permit.case,
        "permit_type": permit.permit_type,
        "agency": settings.AGENCY,
        "logo": _logo_data_uri(),
        "public_url": url,
        "qr": _svg_data_uri(qr_svg(url)),
    }
    return _render("permits/pdf/certificate_of_occupancy.html", context, language)
