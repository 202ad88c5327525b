"""CSV downloads streamed in blocks, with spreadsheet formulas neutralised: for any list a
page offers as CSV (open data, staff lists, reports), so a long list costs flat memory.

    return csv_response("delinquent-2026-12-06.csv", ("parcel", "owed"), rows)

`rows` is any iterable of sequences (a generator reading the database in chunks keeps the
worker's memory flat); cells are written by `cell`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse

BLOCK_CHARACTERS = 64 * 1024

# A plain signed number ("-12.00", "+3", "-1,234.56"): a spreadsheet reads it as a number,
# never as a formula, so it is written as it is. ASCII digits only, the whole cell.
_SIGNED_NUMBER = re.compile(r"[-+](?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]+)?")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns what it was given (csv.writer into a str)."""

    def write(self, value: str) -> str:
        return value


def cell(value) -> str:
    """A CSV cell: "" for None, and text a spreadsheet would run as a formula (=, +, -, @, a
    tab or a carriage return at the start) neutralised with a leading apostrophe. Numbers,
    and text that is only a signed number (a formatted amount such as "-12.00"), are written
    as they are: a spreadsheet reads them as numbers."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text[:1] not in _FORMULA_STARTS or _is_signed_number(text):
        return text
    return f"'{text}"


def _is_signed_number(text: str) -> bool:
    return any(c.isdigit() for c in text) and _SIGNED_NUMBER.fullmatch(text) is not None


def blocks(pieces: Iterable[str]) -> Iterator[str]:
    """`pieces` joined into blocks of about BLOCK_CHARACTERS."""
    block: list[str] = []
    size = 0
    for piece in pieces:
        block.append(piece)
        size += len(piece)
        if size >= BLOCK_CHARACTERS:
            yield "".join(block)
            block, size = [], 0
    if block:
        yield "".join(block)


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The header, then each row, as CSV text in blocks."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([cell(value) for value in row])

    return blocks(lines())


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """A streamed CSV download named `filename`."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
