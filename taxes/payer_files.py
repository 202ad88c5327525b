"""Reading a payer's CSV file (a bulk payer's batch, a lender's escrow file): small files,
read whole in Python, refused whole when they cannot be read at all.

`rows_read` checks the bytes (size, UTF-8), the header (named columns, in any order, with
their accepted aliases) and the number of rows, and gives each row's cells by column name with
its line number in the file. What a row means is the caller's business.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

from taxes.exceptions import FileRefused

MAX_ROWS = 5000
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class FileRow:
    line: int
    cells: dict[str, str]  # by column name, stripped; "" for a column the file lacks
    too_wide: bool  # more non-empty cells than the header has columns


@dataclass(frozen=True)
class PayerFile:
    sha256: str
    rows: list[FileRow]


def _header(row: list[str], columns: dict[str, tuple[str, ...]], required, header_error):
    names = [cell.strip().lower().replace(" ", "_") for cell in row]
    at = {name: index for index, name in enumerate(names) if name}
    found = {
        column: next((at[alias] for alias in aliases if alias in at), None)
        for column, aliases in columns.items()
    }
    missing = [column for column in required if found[column] is None]
    if missing:
        raise FileRefused([(1, header_error % {"missing": ", ".join(missing)})])
    return found


def rows_read(
    *,
    stream: BinaryIO,
    columns: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    header_error: str,
    max_rows: int = MAX_ROWS,
) -> PayerFile:
    """The file's SHA-256 and its non-blank rows.

    `columns` maps each column's name to the header names accepted for it (lower case, spaces
    as underscores); `header_error` is the message when a `required` one is missing, with
    %(missing)s. Raises FileRefused (nothing is read further) for a file over 2 MB, not UTF-8,
    not CSV, empty, without rows or with more than `max_rows`.
    """
    content = stream.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise FileRefused([(None, _("The file is larger than 2 MB: split it in several files."))])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(
            [
                (
                    None,
                    _("The file is not UTF-8 text. Export it from the spreadsheet as “CSV UTF-8”."),
                )
            ]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise FileRefused([(None, _("The file is empty."))])
        found = _header(header, columns, required, header_error)
        rows = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank lines, a spreadsheet's empty rows
            cells = {
                column: row[index].strip() if index is not None and index < len(row) else ""
                for column, index in found.items()
            }
            too_wide = any(value.strip() for value in row[len(header) :])
            rows.append(FileRow(reader.line_num, cells, too_wide))
    except csv.Error as error:
        raise FileRefused(
            [
                (
                    reader.line_num,
                    _("The file is not a readable CSV file (%(error)s).") % {"error": error},
                )
            ]
        ) from None
    if not rows:
        raise FileRefused([(None, _("The file has a header but no rows."))])
    if len(rows) > max_rows:
        raise FileRefused(
            [
                (
                    None,
                    _("The file has %(rows)d rows; at most %(max)d are taken: split it.")
                    % {"rows": len(rows), "max": max_rows},
                )
            ]
        )
    return PayerFile(hashlib.sha256(content).hexdigest(), rows)
