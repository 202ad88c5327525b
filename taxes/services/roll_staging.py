"""The roll's staging: the file COPYed as it is into a raw table, each row checked in SQL,
then a typed staging table (one row per bill, each cell cast once) and the owners' rows the
import writes from. Bill lines and instalments are written straight from the typed row (a
`CROSS JOIN LATERAL (VALUES ...)` over its columns), with no table of their own.

PostgreSQL parses the CSV (COPY ... FORMAT csv) and checks the rows in one scan, so the
import's process only moves bytes: a million rows cost it neither time nor memory. Each check
is a condition on the raw text columns (`c0`, `c1`... in the file's order) with the value to
quote; casts happen only once every row has passed, in the typed table. The staging table
also holds each row's digest of what it bills (TaxBill.roll_digest), so a re-import finds the
bills whose row changed by comparing one column.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
from dataclasses import dataclass
from typing import BinaryIO

import psycopg
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from taxes.exceptions import RollRefused
from taxes.models import LandUse, LineKind
from taxes.models.bills import BILL_NUMBER_PATTERN
from taxes.models.parcels import PARCEL_NUMBER_PATTERN
from taxes.roll_columns import Header, header_read

CHUNK_BYTES = 1024 * 1024
_AMOUNT = r"^\$?\s*(\d{1,10}|\d{1,3}(,\d{3}){1,3})?(\.\d{0,2})?$"
_NEGATIVE = r"^\$?\s*[-(\u2212]"
_US_DATE = r"^(\d{1,2})/(\d{1,2})/(\d{4})$"
_ISO_DATE = r"^\d{4}-\d{1,2}-\d{1,2}$"


@dataclass(frozen=True)
class _Check:
    message: str  # gettext_noop'd, with %(value)s and any of `params`
    params: dict
    bad: str  # SQL: true for a bad row
    value: str  # SQL: the text quoted in the message


def _cell(index: int | None) -> str:
    return "''" if index is None else f"btrim(coalesce(c{index}, ''))"


def _amount_checks(text: str, what: str, params: dict, negative_message: str) -> list[_Check]:
    return [
        _Check(negative_message, params, f"{text} ~ '{_NEGATIVE}'", text),
        _Check(
            what,
            params,
            f"{text} <> '' AND NOT {text} ~ '{_NEGATIVE}' "
            f"AND NOT ({text} ~ '{_AMOUNT}' AND {text} ~ '\\d')",
            text,
        ),
    ]


def _date_sql(text: str) -> str:
    """ISO text for a date typed YYYY-MM-DD or MM/DD/YYYY."""
    return f"regexp_replace({text}, '{_US_DATE}', '\\3-\\1-\\2')"


def _date_ok(text: str) -> str:
    iso = _date_sql(text)
    return (
        f"(({text} ~ '{_ISO_DATE}' OR {text} ~ '{_US_DATE}') AND pg_input_is_valid({iso}, 'date'))"
    )


def _cents_sql(text: str) -> str:
    # The dollar sign, thousands separators and white space (a regular expression's \s: space,
    # tab, line feed, carriage return, form feed, vertical tab) taken out, without a regex.
    cleaned = f"translate({text}, E'$, \\t\\n\\r\\f\\x0b', '')"
    return f"(CASE WHEN {text} = '' THEN NULL ELSE round(({cleaned})::numeric * 100)::bigint END)"


def _row_checks(header: Header) -> list[_Check]:
    parcel, bill = f"upper({_cell(header.parcel_number)})", f"upper({_cell(header.bill_number)})"
    year, address = _cell(header.tax_year), _cell(header.situs_address)
    land_use, lender = f"lower({_cell(header.land_use)})", _cell(header.escrow_lender)
    land_uses = ", ".join(f"'{value}'" for value in ["", *LandUse.values])
    checks = [
        _Check(
            gettext_noop(
                "Parcel number “%(value)s” is not valid: letters, digits, dots and dashes, up "
                "to 32 characters."
            ),
            {},
            f"NOT {parcel} ~ '{PARCEL_NUMBER_PATTERN}'",
            f"left({parcel}, 40)",
        ),
        _Check(
            gettext_noop("Tax year “%(value)s” is not a year."),
            {},
            f"NOT (CASE WHEN {year} ~ '^\\d{{4}}$' THEN {year}::int BETWEEN 1900 AND 2200 "
            "ELSE false END)",
            f"left({year}, 10)",
        ),
        _Check(
            gettext_noop(
                "Bill number “%(value)s” is not valid: letters, digits and dashes, up to 32."
            ),
            {},
            f"NOT {bill} ~ '{BILL_NUMBER_PATTERN}'",
            f"left({bill}, 40)",
        ),
        _Check(
            gettext_noop("The property address is missing or longer than 200 characters."),
            {},
            f"length({address}) NOT BETWEEN 1 AND 200",
            "''",
        ),
        _Check(
            gettext_noop("Land use “%(value)s” is not one of: %(choices)s."),
            {"choices": ", ".join(LandUse.values)},
            f"{land_use} NOT IN ({land_uses})",
            f"left({land_use}, 40)",
        ),
        _Check(
            gettext_noop("The escrow lender's name is longer than 200 characters."),
            {},
            f"length({lender}) > 200",
            "''",
        ),
    ]
    for position, (name_at, last_at, mail_at) in header.owners:
        name, last, mail = _cell(name_at), _cell(last_at), _cell(mail_at)
        if position == 1:
            checks.append(
                _Check(gettext_noop("The first owner's name is missing."), {}, f"{name} = ''", "''")
            )
        checks += [
            _Check(
                gettext_noop("Owner %(position)d has no mailing address."),
                {"position": position},
                f"{name} <> '' AND {mail} = ''",
                "''",
            ),
            _Check(
                gettext_noop("Owner %(position)d's name is too long."),
                {"position": position},
                f"length({name}) > 200 OR length({last}) > 100",
                "''",
            ),
        ]
    for kind, district, at in header.lines:
        text = _cell(at)
        negative = (
            gettext_noop(
                "The levy of %(district)s is negative (%(value)s): a levy is zero or more."
            )
            if kind == LineKind.LEVY
            else gettext_noop(
                "The exemption %(district)s is negative (%(value)s): give the amount taken off, "
                "as a positive amount."
            )
        )
        checks += _amount_checks(
            text,
            gettext_noop("The amount of %(district)s, “%(value)s”, is not an amount."),
            {"district": district},
            negative,
        )
    given = {
        sequence: f"({_cell(due_at)} <> '' OR {_cell(amount_at)} <> '')"
        for sequence, (due_at, amount_at) in header.instalments
    }
    for sequence, (due_at, amount_at) in header.instalments:
        due, amount = _cell(due_at), _cell(amount_at)
        if sequence > 1:
            before = given.get(sequence - 1, "false")
            checks.append(
                _Check(
                    gettext_noop(
                        "Instalment %(sequence)d is given but instalment %(missing)d is not."
                    ),
                    {"sequence": sequence, "missing": sequence - 1},
                    f"{given[sequence]} AND NOT {before}",
                    "''",
                )
            )
        checks.append(
            _Check(
                gettext_noop(
                    "Instalment %(sequence)d needs a due date (YYYY-MM-DD or MM/DD/YYYY) and an "
                    "amount in dollars."
                ),
                {"sequence": sequence},
                f"{given[sequence]} AND NOT ({_date_ok(due)} AND {amount} ~ '{_AMOUNT}' "
                f"AND {amount} ~ '\\d')",
                "''",
            )
        )
    checks.append(
        _Check(
            gettext_noop("The bill has no instalment."),
            {},
            "NOT (" + " OR ".join(given.values()) + ")",
            "''",
        )
    )
    return checks


def _typed_checks(header: Header) -> list[tuple[str, str]]:
    """Checks on the typed staging rows, once every row passed the row checks: (message,
    query returning the line and the values to quote)."""
    levies_less_exemptions = " + ".join(
        f"coalesce(l{index}, 0)" for index in range(len(header.lines))
    )
    instalments = " + ".join(
        f"CASE WHEN d{sequence} IS NULL THEN 0 ELSE a{sequence} END"
        for sequence, _columns in header.instalments
    )
    sequences = {sequence for sequence, _columns in header.instalments}
    pairs = ", ".join(
        f"({sequence}, d{sequence} <= d{sequence - 1})"
        for sequence in sorted(sequences)
        if sequence - 1 in sequences
    )
    checks = [
        (
            gettext_noop("The exemptions are more than the levies."),
            f"SELECT line, '' FROM taxes_roll_staging WHERE {levies_less_exemptions} < 0 "  # noqa: S608
            "ORDER BY line LIMIT %(limit)s",
        ),
        (
            gettext_noop(
                "The instalments add up to %(value)s but the levies less exemptions to %(other)s."
            ),
            f"SELECT line, to_char(({instalments}) / 100.0, 'FM999,999,999,990.00'), "  # noqa: S608
            f"to_char(({levies_less_exemptions}) / 100.0, 'FM999,999,999,990.00') "
            f"FROM taxes_roll_staging WHERE {instalments} <> {levies_less_exemptions} "
            "ORDER BY line LIMIT %(limit)s",
        ),
    ]
    if pairs:
        checks.insert(
            1,
            (
                gettext_noop("Instalment %(value)s is due before or with the one before it."),
                "SELECT line, x.sequence FROM taxes_roll_staging "  # noqa: S608
                f"CROSS JOIN LATERAL (VALUES {pairs}) AS x(sequence, early) WHERE x.early "
                "ORDER BY line, x.sequence LIMIT %(limit)s",
            ),
        )
    return checks


class _HashingReader:
    """A binary stream's reads, hashed on the way (the file's SHA-256 without a second pass)."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.digest.update(chunk)
        return chunk

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


class _TrailingBlankLines:
    """Holds back the blank lines at the end of the file (spreadsheets add them: empty lines,
    or rows of commas only), which COPY would refuse as rows missing their columns.

    Bytes pass through unchanged except a tail of lines holding only commas and white space:
    it waits for the next chunk (a blank line inside a quoted mailing address is followed by
    more text and goes through) and is dropped at the end of the file. A blank line between
    rows is still COPYed, and refused.
    """

    _BLANK = b" \t\r\n,"

    def __init__(self):
        self.pending = b""
        self.at_line_start = True

    def feed(self, chunk: bytes) -> bytes:
        data = self.pending + chunk
        content_end = len(data.rstrip(self._BLANK))
        if content_end == 0 and self.at_line_start:
            cut = 0
        else:
            newline = data.find(b"\n", content_end)
            cut = len(data) if newline < 0 else newline + 1
        self.pending = data[cut:]
        if cut:
            self.at_line_start = data[cut - 1 : cut] == b"\n"
        return data[:cut]


def _header_line(reader: _HashingReader) -> tuple[Header, bytes]:
    """The header, read from the first line; and the bytes read past it."""
    buffered = b""
    while b"\n" not in buffered:
        chunk = reader.read(64 * 1024)
        if not chunk:
            break
        buffered += chunk
    first, _newline, rest = buffered.partition(b"\n")
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RollRefused(
            _("The file is not UTF-8 text. Export it from the spreadsheet as “CSV UTF-8”.")
        ) from None
    row = next(csv.reader([text.rstrip("\r")]), None)
    return header_read(row), rest


@dataclass(frozen=True)
class Staged:
    """A staged file: its SHA-256, and SQL for the typed staging row `s` as rows, for a
    `CROSS JOIN LATERAL (VALUES ...)` (the columns depend on the file's header)."""

    sha256: str
    # (kind, district, cents): one per levy or exemption column; cents NULL or 0 when none
    lines: str = ""
    # (sequence, due_date, cents): one per instalment column; due_date NULL when not given
    instalments: str = ""


def stage(cursor, stream: BinaryIO, report) -> Staged:
    """COPY the file into the raw table, check its rows, build the typed staging table;
    report the rows and their errors."""
    reader = _HashingReader(stream)
    header, rest = _header_line(reader)
    columns = ", ".join(f"c{index} text" for index in range(header.width))
    names = ", ".join(f"c{index}" for index in range(header.width))
    cursor.execute(
        "DROP TABLE IF EXISTS taxes_roll_raw, taxes_roll_staging, taxes_roll_owner_rows, "
        "taxes_roll_owners, taxes_roll_new_bills, taxes_roll_declared, taxes_roll_parcels, "
        "taxes_roll_changed, taxes_roll_overpaid, taxes_roll_credits"
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE taxes_roll_raw (line integer GENERATED ALWAYS AS IDENTITY "
        f"(START WITH 2), {columns}) ON COMMIT DROP"
    )
    try:
        with cursor.copy(
            f"COPY taxes_roll_raw ({names}) FROM STDIN (FORMAT csv, ENCODING 'UTF8')"
        ) as copy:
            trailing = _TrailingBlankLines()
            # Lazily: a chunk is read only when the one before it is written.
            for chunk in itertools.chain((rest,), iter(lambda: reader.read(CHUNK_BYTES), b"")):
                if passed := trailing.feed(chunk):
                    copy.write(passed)
    except psycopg.errors.CharacterNotInRepertoire:
        raise RollRefused(
            _("The file is not UTF-8 text. Export it from the spreadsheet as “CSV UTF-8”.")
        ) from None
    except psycopg.errors.BadCopyFileFormat as error:
        raise RollRefused(
            _("The file is not a readable CSV file (%(error)s).")
            % {"error": (error.diag.context or str(error)).replace("taxes_roll_raw, ", "")}
        ) from None
    cursor.execute("SELECT count(*) FROM taxes_roll_raw")
    report.rows = cursor.fetchone()[0]
    if report.rows == 0:
        raise RollRefused(_("The file has a header but no rows."))
    _row_errors(cursor, header, report)
    if report.error_count:
        return Staged(sha256=reader.hexdigest())
    _typed_tables(cursor, header)
    for message, query in _typed_checks(header):
        cursor.execute(query, {"limit": 1000})
        for line, value, *other in cursor.fetchall():
            report.error(line, _(message) % {"value": value, "other": other[0] if other else ""})
    return Staged(
        sha256=reader.hexdigest(),
        lines=", ".join(
            f"('{kind}', '{district}', s.l{index})"
            for index, (kind, district, _at) in enumerate(header.lines)
        ),
        instalments=", ".join(
            f"({sequence}::smallint, s.d{sequence}, s.a{sequence})"
            for sequence, _columns in header.instalments
        ),
    )


def _row_errors(cursor, header: Header, report) -> None:
    checks = _row_checks(header)
    # One scan: the rows with any fault first (most rows have none), then which checks fail.
    any_bad = " OR ".join(f"({check.bad})" for check in checks)
    values = ", ".join(
        f"({order}, {check.bad}, {check.value})" for order, check in enumerate(checks)
    )
    cursor.execute(
        f"WITH bad AS (SELECT * FROM taxes_roll_raw WHERE {any_bad}) "  # noqa: S608
        "SELECT r.line, c.ord, c.value, count(*) OVER () FROM bad r "
        f"CROSS JOIN LATERAL (VALUES {values}) AS c(ord, bad, value) "
        "WHERE c.bad ORDER BY r.line, c.ord LIMIT 1000"
    )
    found = cursor.fetchall()
    for line, order, value, _total in found:
        check = checks[order]
        report.error(line, _(check.message) % {**check.params, "value": value})
    if found:
        report.error_count = max(report.error_count, found[0][3])


def _typed_tables(cursor, header: Header) -> None:
    """The typed staging table: one row per bill, its cells cast once (each levy or exemption
    in cents as `l0`, `l1`... in the header's order, exemptions negative; each instalment's due
    date and cents as `d1`/`a1`...), and its digest; and the owners' rows."""
    land_use = f"coalesce(nullif(lower({_cell(header.land_use)}), ''), 'residential')"
    lines = "".join(
        f"{'' if kind == LineKind.LEVY else '-'}{_cents_sql(_cell(at))} AS l{index}, "
        for index, (kind, _district, at) in enumerate(header.lines)
    )
    instalments = "".join(
        f"nullif({_date_sql(_cell(due_at))}, '')::date AS d{sequence}, "
        f"{_cents_sql(_cell(amount_at))} AS a{sequence}, "
        for sequence, (due_at, amount_at) in header.instalments
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE taxes_roll_staging ON COMMIT DROP AS "  # noqa: S608
        f"SELECT t.*, {_digest_sql(header)} AS digest FROM ("
        f"SELECT line, upper({_cell(header.parcel_number)}) AS parcel_number, "
        f"{_cell(header.tax_year)}::int AS tax_year, "
        f"upper({_cell(header.bill_number)}) AS bill_number, "
        f"{_cell(header.situs_address)} AS situs_address, {land_use} AS land_use, {lines}"
        f"{instalments}{_cell(header.escrow_lender)} AS escrow_lender FROM taxes_roll_raw "
        # OFFSET 0 keeps the planner from inlining the casts into the digest (each cell
        # would be cast again for each use there).
        "OFFSET 0) t"
    )
    owners = ", ".join(
        f"({position}, {_cell(name_at)}, {_cell(last_at)}, {_cell(mail_at)})"
        for position, (name_at, last_at, mail_at) in header.owners
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE taxes_roll_owner_rows ON COMMIT DROP AS "  # noqa: S608
        "SELECT r.line, x.position::smallint AS position, x.name, "
        "coalesce(nullif(x.last_name, ''), regexp_replace(x.name, '^.*\\s', '')) AS last_name, "
        "x.mailing_address FROM taxes_roll_raw r "
        f"CROSS JOIN LATERAL (VALUES {owners}) AS x(position, name, last_name, mailing_address) "
        "WHERE x.name <> ''"
    )
    for table in ("staging", "owner_rows"):
        cursor.execute(f"CREATE INDEX ON taxes_roll_{table} (line)")
        cursor.execute(f"ANALYZE taxes_roll_{table}")
    cursor.execute("CREATE INDEX ON taxes_roll_staging (bill_number)")


def _digest_sql(header: Header) -> str:
    """A bill's roll digest (TaxBill.roll_digest) from its typed staging row `t`: the MD5 of
    what the row bills, in a canonical order: its levies and exemptions other than zero by
    kind and code ("exemption:HOMESTEAD=-20000;levy:COUNTY=150000"), a bar, its instalments
    by sequence ("1:2026-03-31=100000;2:..."). The same amounts in another column order,
    spelling ("$1,500" for "1500.00") or date format give the same digest; any other amount,
    district, due date or instalment gives another."""
    lines = ", ".join(
        f"CASE WHEN t.l{index} <> 0 THEN '{kind}:{district}=' || t.l{index} END"
        for index, (kind, district, _at) in sorted(
            enumerate(header.lines), key=lambda item: (str(item[1][0]), item[1][1])
        )
    )
    instalments = ", ".join(
        f"CASE WHEN t.d{sequence} IS NOT NULL THEN '{sequence}:' || "
        f"to_char(t.d{sequence}, 'YYYY-MM-DD') || '=' || t.a{sequence} END"
        for sequence, _columns in header.instalments
    )
    return f"md5(concat_ws(';', {lines}) || '|' || concat_ws(';', {instalments}))"
