"""The queue as CSV, streamed (`portal.csvstream`): rows are read in chunks and written as
they come, so a download of every case a person may see never holds them all in memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext

from cases.service_levels import service_levels_attach
from portal.csvstream import csv_response
from portal.localized import localized

CHUNK = 2000


def _header() -> list[str]:
    return [
        gettext("Reference"),
        gettext("Service"),
        gettext("Status"),
        gettext("Department"),
        gettext("Assigned to"),
        gettext("Sent"),
        pgettext("date a case should be finished by", "Due"),
        gettext("Service level"),
        # Last, so files read by column number before areas existed still read the same.
        gettext("Area"),
    ]


def _chunk_rows(chunk: Iterable) -> Iterator[list]:
    chunk = list(chunk)
    service_levels_attach(chunk)  # one calendar per chunk
    for case in chunk:
        level = case.service_level
        sent = timezone.localtime(case.submitted_at).date() if case.submitted_at else None
        yield [
            case.reference,
            str(case.service_name),
            str(case.status_label),
            case.department or "",
            case.assignee or "",
            sent.isoformat() if sent else "",
            level.due_date.isoformat() if level.due_date else "",
            str(level),
            localized(case.area, "name") if case.area else "",
        ]


def _rows(cases: QuerySet, language: str) -> Iterator[list]:
    # Written after the view returned: keep the request's language for the words.
    with translation.override(language):
        chunk: list = []
        for case in cases.iterator(chunk_size=CHUNK):
            chunk.append(case)
            if len(chunk) == CHUNK:
                yield from _chunk_rows(chunk)
                chunk = []
        yield from _chunk_rows(chunk)


def cases_csv_response(cases: QuerySet, *, filename: str) -> StreamingHttpResponse:
    """A streamed CSV download of `cases` (already scoped and ordered by the caller)."""
    return csv_response(filename, _header(), _rows(cases, translation.get_language()))
