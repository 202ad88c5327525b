"""The consolidated correction letter of a review round, drawn with WeasyPrint from
templates/permits/pdf/correction_letter.html.

One letter per round that asked for corrections, from every department at once: what each
department decided, its comments still open (by number and sheet, in the reviewer's words),
the comments resolved in that round, and the conditions of the departments that approved.
It is drawn on demand from the rows (`permits.selectors_reviews.letter_sections`), which
keep every comment's round raised and resolved, so it reads the same whenever it is opened
and nothing is stored on disk. Its own words are in the applicant's language, whoever opens
it (staff see what the applicant was sent); reviewers' comments are shown as written.
Nothing is fetched over the network while drawing.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from permits.models.reviews import CorrectionLetter
from permits.selectors_reviews import letter_sections


def applicant_language(case) -> str:
    """The language the applicant reads: their account's preference, else the case's."""
    if case.applicant_id is not None and case.applicant.preferred_language:
        return case.applicant.preferred_language
    return case.language or settings.LANGUAGE_CODE


def letter_context(letter: CorrectionLetter) -> dict:
    permit = letter.permit
    sections = letter_sections(letter=letter)
    return {
        "letter": letter,
        "permit": permit,
        "case": permit.case,
        "permit_type": permit.permit_type,
        "agency": settings.AGENCY,
        "sections": sections,
        "open_count": sum(len(section.open_comments) for section in sections),
        "case_url": settings.SITE_URL + permit.case.get_absolute_url(),
    }


def letter_html(*, letter: CorrectionLetter, language: str | None = None) -> str:
    language = language or applicant_language(letter.permit.case)
    with translation.override(language):
        return render_to_string("permits/pdf/correction_letter.html", letter_context(letter))


def letter_pdf(*, letter: CorrectionLetter, language: str | None = None) -> bytes:
    """The PDF of `letter`, in `language` (default: the applicant's)."""
    # Imported here: WeasyPrint is the portal's largest import (see licensing.pdf).
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = letter_html(letter=letter, language=language)
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_tags=True)


def letter_filename(letter: CorrectionLetter) -> str:
    return f"corrections-{letter.permit.case.reference}-round-{letter.round}.pdf"
