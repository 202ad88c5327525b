"""Importing the assessor's tax roll: a CSV file of parcels, owners and bills (the columns are
in `taxes.roll_columns` and docs/tax-roll.md).

`roll_import` reads the file once, as a stream, checking each row in Python and sending it
straight to a staging table through PostgreSQL COPY (psycopg 3's `cursor.copy`), so a roll of
a million parcels never sits in memory. The checks that need the whole file or the database
(a parcel twice in the file, a bill number already used for another parcel, an issued bill's
instalments changed) run in SQL on the staging table. Then a few set-based statements write
parcels, owners, bills, lines and instalments (INSERT ... ON CONFLICT, UPDATE ... FROM).

All or nothing: a file with any row error changes nothing, and its report lists the errors
by row. A dry run does the whole import and rolls it back, so its preview says exactly what
the import will do. Importing the same file again changes nothing. A corrected roll never
rewrites what was billed: each difference with a bill already issued becomes an adjustment
line (for the district or exemption that changed) and moves the instalments'
`adjustment_cents`. Owners and addresses follow the latest roll (they are not billed amounts).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from payments.money import AmountRefused, parse_amount
from taxes.codes import ACCESS_CODE_SQL
from taxes.exceptions import RollRefused
from taxes.models import LandUse, LineKind, RollImport
from taxes.models.bills import BILL_NUMBER_PATTERN
from taxes.models.parcels import PARCEL_NUMBER_PATTERN
from taxes.roll_columns import Header, header_read

logger = logging.getLogger(__name__)

# Errors listed in a report (a file with more has them counted, not listed).
MAX_LISTED_ERRORS = 1000
# One roll import at a time: two at once would both see a parcel as new.
_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('taxes.roll_import'))"
_PARCEL = re.compile(PARCEL_NUMBER_PATTERN)
_BILL = re.compile(BILL_NUMBER_PATTERN)
_PLAIN_AMOUNT = re.compile(r"^(\d{1,10})(?:\.(\d{1,2}))?$")
_LAND_USES = frozenset(LandUse.values)


@dataclass
class RollReport:
    """What an import did (or, in a dry run, would do)."""

    file_name: str
    sha256: str = ""
    rows: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    error_count: int = 0
    parcels_created: int = 0
    parcels_updated: int = 0
    bills_created: int = 0
    bills_adjusted: int = 0
    bills_unchanged: int = 0
    adjustment_lines: int = 0
    dry_run: bool = False
    seconds: float = 0.0
    batch: RollImport | None = None

    @property
    def applied(self) -> bool:
        return not self.dry_run and not self.error_count

    def error(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append((line, message))


class _Rollback(Exception):
    """Ends the transaction of a dry run or of a file with errors."""


def roll_import(
    *, stream: BinaryIO, file_name: str, actor=None, dry_run: bool = False
) -> RollReport:
    """Import the roll read from `stream` (bytes); see the module's docstring.

    Returns the report; `report.applied` says whether anything was saved (never with
    `dry_run` or with any row error). Raises RollRefused for a file that cannot be read as
    a roll at all (not UTF-8, no header, missing or unknown columns).
    """
    started = time.monotonic()
    report = RollReport(file_name=file_name, dry_run=dry_run)
    hashing = _HashingReader(stream)
    text = codecs.getreader("utf-8-sig")(hashing, errors="strict")
    rows = csv.reader(text)
    try:
        header = header_read(next(rows, None))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL)
            _stage(cursor, rows, header, report)
            report.sha256 = hashing.hexdigest()
            _check_against_file_and_database(cursor, report)
            if report.error_count:
                raise _Rollback
            report.batch = RollImport.objects.create(
                file_name=file_name[:255],
                file_sha256=report.sha256,
                imported_by=actor,
                rows=report.rows,
            )
            _apply(cursor, report)
            report.seconds = time.monotonic() - started
            RollImport.objects.filter(pk=report.batch.pk).update(
                parcels_created=report.parcels_created,
                bills_created=report.bills_created,
                bills_adjusted=report.bills_adjusted,
                bills_unchanged=report.bills_unchanged,
                seconds=report.seconds,
            )
            if dry_run:
                raise _Rollback
    except _Rollback:
        report.batch = None
    except UnicodeDecodeError:
        raise RollRefused(
            _("The file is not UTF-8 text. Export it from the spreadsheet as “CSV UTF-8”.")
        ) from None
    except csv.Error as error:
        raise RollRefused(
            _("The file is not a readable CSV file (%(error)s).") % {"error": error}
        ) from None
    report.seconds = time.monotonic() - started
    logger.info(
        "Roll import of %s (%s): %d rows, %d errors, %d bills created, %d adjusted%s",
        file_name,
        report.sha256[:12],
        report.rows,
        report.error_count,
        report.bills_created,
        report.bills_adjusted,
        " (dry run)" if dry_run else "",
    )
    return report


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


_STAGING = """
CREATE TEMPORARY TABLE taxes_roll_staging (
    line integer NOT NULL,
    parcel_number text NOT NULL,
    tax_year integer NOT NULL,
    bill_number text NOT NULL,
    situs_address text NOT NULL,
    land_use text NOT NULL,
    escrow_lender text NOT NULL,
    detail jsonb NOT NULL
) ON COMMIT DROP
"""


def _stage(cursor, rows: Iterator[list[str]], header: Header, report: RollReport) -> None:
    """Check every row and COPY the good ones to the staging table."""
    # ON COMMIT DROP drops them at the end of a real transaction; an import inside an outer
    # transaction (a test's) may leave them behind.
    cursor.execute(
        "DROP TABLE IF EXISTS taxes_roll_staging, taxes_roll_owners, taxes_roll_new_bills"
    )
    cursor.execute(_STAGING)
    with cursor.copy(
        "COPY taxes_roll_staging (line, parcel_number, tax_year, bill_number, situs_address,"
        " land_use, escrow_lender, detail) FROM STDIN"
    ) as copy:
        for line, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            report.rows += 1
            staged = _row_check(line, row, header, report)
            if staged is not None:
                copy.write_row(staged)
    if report.rows == 0:
        raise RollRefused(_("The file has a header but no rows."))
    cursor.execute("CREATE INDEX ON taxes_roll_staging (bill_number)")
    cursor.execute("ANALYZE taxes_roll_staging")


def _cents(text: str) -> int:
    """Dollars as typed in the roll ("1234.56", "$1,234.56") to cents; AmountRefused if not."""
    match = _PLAIN_AMOUNT.match(text)
    if match:  # the common case, without the general parser's work
        return int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))
    return parse_amount(text)


def _date(text: str) -> datetime.date:
    if "/" in text:
        return datetime.datetime.strptime(text, "%m/%d/%Y").date()
    return datetime.date.fromisoformat(text)


def _row_check(line: int, row: list[str], header: Header, report: RollReport) -> tuple | None:
    """The staging row for a good CSV row; None (its errors reported) for a bad one."""
    if len(row) != header.width:
        report.error(
            line,
            _("The row has %(found)d cells; the header names %(expected)d columns.")
            % {"found": len(row), "expected": header.width},
        )
        return None
    errors: list[str] = []

    def cell(index: int) -> str:
        return row[index].strip()

    parcel = cell(header.parcel_number).upper()
    if not _PARCEL.match(parcel):
        errors.append(
            _(
                "Parcel number “%(value)s” is not valid: letters, digits, dots and dashes, up "
                "to 32 characters."
            )
            % {"value": parcel[:40]}
        )
    bill = cell(header.bill_number).upper()
    if not _BILL.match(bill):
        errors.append(
            _("Bill number “%(value)s” is not valid: letters, digits and dashes, up to 32.")
            % {"value": bill[:40]}
        )
    year_text = cell(header.tax_year)
    year = int(year_text) if year_text.isdigit() else 0
    if not 1900 <= year <= 2200:
        errors.append(_("Tax year “%(value)s” is not a year.") % {"value": year_text[:10]})
    address = cell(header.situs_address)
    if not address or len(address) > 200:
        errors.append(_("The property address is missing or longer than 200 characters."))
    land_use = cell(header.land_use).lower() if header.land_use is not None else ""
    land_use = land_use or LandUse.RESIDENTIAL
    if land_use not in _LAND_USES:
        errors.append(
            _("Land use “%(value)s” is not one of: %(choices)s.")
            % {"value": land_use[:40], "choices": ", ".join(LandUse.values)}
        )
    lender = cell(header.escrow_lender) if header.escrow_lender is not None else ""
    if len(lender) > 200:
        errors.append(_("The escrow lender's name is longer than 200 characters."))

    owners = []
    for position, (name_at, last_at, mail_at) in header.owners:
        name = cell(name_at)
        mail = cell(mail_at) if mail_at is not None else ""
        last = cell(last_at) if last_at is not None else ""
        if not name:
            if position == 1:
                errors.append(_("The first owner's name is missing."))
            continue
        if not mail:
            errors.append(_("Owner %(position)d has no mailing address.") % {"position": position})
        last = last or name.split()[-1]
        if len(name) > 200 or len(last) > 100:
            errors.append(_("Owner %(position)d's name is too long.") % {"position": position})
        owners.append((position, name, last, mail))

    lines, total = [], 0
    for kind, district, at in header.lines:
        text = cell(at)
        if not text:
            continue
        try:
            cents = _cents(text)
        except AmountRefused:
            if text.lstrip("$ ").startswith(("-", "(")):
                message = (
                    _("The levy of %(district)s is negative (%(value)s): a levy is zero or more.")
                    if kind == LineKind.LEVY
                    else _(
                        "The exemption %(district)s is negative (%(value)s): give the amount "
                        "taken off, as a positive amount."
                    )
                )
            else:
                message = _("The amount of %(district)s, “%(value)s”, is not an amount.")
            errors.append(message % {"district": district, "value": text[:20]})
            continue
        signed = cents if kind == LineKind.LEVY else -cents
        if signed:
            lines.append((kind, district, signed))
            total += signed
    if total < 0:
        errors.append(_("The exemptions are more than the levies."))

    instalments, previous_due, instalment_total = [], None, 0
    for sequence, (due_at, amount_at) in header.instalments:
        due_text, amount_text = cell(due_at), cell(amount_at)
        if not due_text and not amount_text:
            continue
        if len(instalments) != sequence - 1:
            errors.append(
                _("Instalment %(sequence)d is given but instalment %(missing)d is not.")
                % {"sequence": sequence, "missing": len(instalments) + 1}
            )
            break
        try:
            due = _date(due_text)
            cents = _cents(amount_text)
        except (ValueError, AmountRefused):
            errors.append(
                _(
                    "Instalment %(sequence)d needs a due date (YYYY-MM-DD or MM/DD/YYYY) and "
                    "an amount in dollars."
                )
                % {"sequence": sequence}
            )
            break
        if previous_due is not None and due <= previous_due:
            errors.append(
                _("Instalment %(sequence)d is due before or with the one before it.")
                % {"sequence": sequence}
            )
        previous_due = due
        instalment_total += cents
        instalments.append((sequence, due.isoformat(), cents))
    if not instalments and not errors:
        errors.append(_("The bill has no instalment."))
    if instalments and not errors and instalment_total != total:
        errors.append(
            _(
                "The instalments add up to %(instalments)s but the levies less exemptions to "
                "%(bill)s."
            )
            % {"instalments": _dollars(instalment_total), "bill": _dollars(total)}
        )
    if errors:
        for message in errors:
            report.error(line, message)
        return None
    detail = json.dumps({"o": owners, "l": lines, "i": instalments}, separators=(",", ":"))
    return (line, parcel, year, bill, address, land_use, lender, detail)


def _dollars(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"


# Checks that need the whole file or the database: (message, query returning line numbers).
_SQL_CHECKS = (
    (
        gettext_noop(
            "The parcel %(parcel)s has another row for the same tax year (row %(other)s)."
        ),
        """
        SELECT s.line, s.parcel_number, min(o.line)
        FROM taxes_roll_staging s JOIN taxes_roll_staging o
          ON o.parcel_number = s.parcel_number AND o.tax_year = s.tax_year AND o.line < s.line
        GROUP BY s.line, s.parcel_number ORDER BY s.line LIMIT %(limit)s
        """,
    ),
    (
        gettext_noop("The bill number %(parcel)s is on another row too (row %(other)s)."),
        """
        SELECT s.line, s.bill_number, min(o.line)
        FROM taxes_roll_staging s JOIN taxes_roll_staging o
          ON o.bill_number = s.bill_number AND o.line < s.line
        GROUP BY s.line, s.bill_number ORDER BY s.line LIMIT %(limit)s
        """,
    ),
    (
        gettext_noop(
            "The bill number %(parcel)s was issued for another parcel or year (%(other)s)."
        ),
        """
        SELECT s.line, s.bill_number, p.number || ' ' || b.tax_year
        FROM taxes_roll_staging s
        JOIN taxes_taxbill b ON b.number = s.bill_number
        JOIN taxes_parcel p ON p.id = b.parcel_id
        WHERE p.number <> s.parcel_number OR b.tax_year <> s.tax_year
        ORDER BY s.line LIMIT %(limit)s
        """,
    ),
    (
        gettext_noop("The parcel %(parcel)s already has bill %(other)s for that tax year."),
        """
        SELECT s.line, s.parcel_number, b.number
        FROM taxes_roll_staging s
        JOIN taxes_parcel p ON p.number = s.parcel_number
        JOIN taxes_taxbill b ON b.parcel_id = p.id AND b.tax_year = s.tax_year
        WHERE b.number <> s.bill_number
        ORDER BY s.line LIMIT %(limit)s
        """,
    ),
    (
        gettext_noop(
            "Bill %(parcel)s was issued with other instalments or due dates (%(other)s): a "
            "corrected roll may change amounts, not the schedule."
        ),
        """
        WITH staged AS (
            SELECT s.line, s.bill_number, b.id AS bill_id,
                   (i->>0)::int AS sequence, (i->>1)::date AS due_date
            FROM taxes_roll_staging s
            JOIN taxes_taxbill b ON b.number = s.bill_number,
            jsonb_array_elements(s.detail->'i') i
        ), issued AS (
            SELECT i.bill_id, i.sequence, i.due_date FROM taxes_instalment i
            WHERE i.bill_id IN (SELECT bill_id FROM staged)
        ), differ AS (
            SELECT coalesce(st.bill_id, iss.bill_id) AS bill_id
            FROM staged st FULL JOIN issued iss
              ON iss.bill_id = st.bill_id AND iss.sequence = st.sequence
             AND iss.due_date = st.due_date
            WHERE st.bill_id IS NULL OR iss.bill_id IS NULL
            GROUP BY 1
        )
        SELECT s.line, s.bill_number,
               (SELECT string_agg(i.sequence || ': ' || i.due_date, ', ' ORDER BY i.sequence)
                FROM taxes_instalment i WHERE i.bill_id = b.id)
        FROM differ d JOIN taxes_taxbill b ON b.id = d.bill_id
        JOIN taxes_roll_staging s ON s.bill_number = b.number
        ORDER BY s.line LIMIT %(limit)s
        """,
    ),
)


def _check_against_file_and_database(cursor, report: RollReport) -> None:
    for message, query in _SQL_CHECKS:
        cursor.execute(query, {"limit": MAX_LISTED_ERRORS})
        for line, value, other in cursor.fetchall():
            report.error(line, _(message) % {"parcel": value, "other": other})


_PARCELS = """
WITH latest AS (
    SELECT DISTINCT ON (parcel_number) parcel_number, situs_address, land_use
    FROM taxes_roll_staging ORDER BY parcel_number, tax_year DESC
), written AS (
    INSERT INTO taxes_parcel (number, situs_address, land_use, created_at, updated_at)
    SELECT parcel_number, situs_address, land_use, now(), now() FROM latest
    ON CONFLICT (number) DO UPDATE
        SET situs_address = EXCLUDED.situs_address, land_use = EXCLUDED.land_use,
            updated_at = now()
        WHERE (taxes_parcel.situs_address, taxes_parcel.land_use)
              IS DISTINCT FROM (EXCLUDED.situs_address, EXCLUDED.land_use)
    RETURNING (xmax = 0) AS created
)
SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM written
"""

_OWNERS = (
    """
    CREATE TEMPORARY TABLE taxes_roll_owners ON COMMIT DROP AS
    SELECT p.id AS parcel_id, (o->>0)::smallint AS position, o->>1 AS name,
           o->>2 AS last_name, o->>3 AS mailing_address
    FROM (SELECT DISTINCT ON (parcel_number) parcel_number, detail
          FROM taxes_roll_staging ORDER BY parcel_number, tax_year DESC) s
    JOIN taxes_parcel p ON p.number = s.parcel_number,
    jsonb_array_elements(s.detail->'o') o
    """,
    # Owners the roll no longer names (or names differently) give way to the roll's.
    """
    DELETE FROM taxes_owner t
    USING taxes_parcel p JOIN taxes_roll_staging s ON s.parcel_number = p.number
    WHERE t.parcel_id = p.id AND NOT EXISTS (
        SELECT 1 FROM taxes_roll_owners r
        WHERE r.parcel_id = t.parcel_id AND r.position = t.position AND r.name = t.name
          AND r.last_name = t.last_name AND r.mailing_address = t.mailing_address)
    """,
    """
    INSERT INTO taxes_owner (parcel_id, position, name, last_name, mailing_address,
                             created_at, updated_at)
    SELECT parcel_id, position, name, last_name, mailing_address, now(), now()
    FROM taxes_roll_owners
    ON CONFLICT (parcel_id, position) DO NOTHING
    """,
)

_BILLS = f"""
CREATE TEMPORARY TABLE taxes_roll_new_bills ON COMMIT DROP AS
WITH written AS (
    INSERT INTO taxes_taxbill (parcel_id, tax_year, number, access_code, escrow_lender,
                               roll_import_id, created_at, updated_at)
    SELECT p.id, s.tax_year, s.bill_number, {ACCESS_CODE_SQL}, s.escrow_lender,
           %(batch)s, now(), now()
    FROM taxes_roll_staging s JOIN taxes_parcel p ON p.number = s.parcel_number
    ON CONFLICT (number) DO NOTHING
    RETURNING id, number
)
SELECT * FROM written
"""  # noqa: S608 (constants only: the access code expression)

_NEW_BILL_ROWS = (
    """
    INSERT INTO taxes_billline (bill_id, kind, district, amount_cents, reason, roll_import_id,
                                created_at, updated_at)
    SELECT b.id, l->>0, l->>1, (l->>2)::bigint, '', %(batch)s, now(), now()
    FROM taxes_roll_new_bills b JOIN taxes_roll_staging s ON s.bill_number = b.number,
    jsonb_array_elements(s.detail->'l') l
    """,
    """
    INSERT INTO taxes_instalment (bill_id, sequence, due_date, amount_cents, adjustment_cents,
        principal_paid_cents, penalty_paid_cents, interest_paid_cents, discount_cents,
        created_at, updated_at)
    SELECT b.id, (i->>0)::smallint, (i->>1)::date, (i->>2)::bigint, 0, 0, 0, 0, 0, now(), now()
    FROM taxes_roll_new_bills b JOIN taxes_roll_staging s ON s.bill_number = b.number,
    jsonb_array_elements(s.detail->'i') i
    """,
)

_ESCROW = """
UPDATE taxes_taxbill b SET escrow_lender = s.escrow_lender, updated_at = now()
FROM taxes_roll_staging s
WHERE b.number = s.bill_number AND b.escrow_lender <> s.escrow_lender
"""

# Bills already issued: each district's (or exemption's) net as billed against the roll's.
_ADJUSTMENTS = """
WITH issued AS (
    SELECT b.id AS bill_id, s.detail
    FROM taxes_roll_staging s JOIN taxes_taxbill b ON b.number = s.bill_number
    WHERE NOT EXISTS (SELECT 1 FROM taxes_roll_new_bills n WHERE n.id = b.id)
), staged AS (
    SELECT bill_id, l->>1 AS district, sum((l->>2)::bigint) AS cents
    FROM issued, jsonb_array_elements(detail->'l') l GROUP BY 1, 2
), billed AS (
    SELECT bill_id, district, sum(amount_cents) AS cents FROM taxes_billline
    WHERE bill_id IN (SELECT bill_id FROM issued) GROUP BY 1, 2
), written AS (
    INSERT INTO taxes_billline (bill_id, kind, district, amount_cents, reason, roll_import_id,
                                created_at, updated_at)
    SELECT coalesce(st.bill_id, bi.bill_id), 'adjustment', coalesce(st.district, bi.district),
           coalesce(st.cents, 0) - coalesce(bi.cents, 0), %(reason)s, %(batch)s, now(), now()
    FROM staged st FULL JOIN billed bi ON bi.bill_id = st.bill_id AND bi.district = st.district
    WHERE coalesce(st.cents, 0) <> coalesce(bi.cents, 0)
    RETURNING bill_id
)
SELECT count(*), count(DISTINCT bill_id), (SELECT count(*) FROM issued) FROM written
"""

_INSTALMENT_ADJUSTMENTS = """
UPDATE taxes_instalment i
SET adjustment_cents = st.cents - i.amount_cents, updated_at = now()
FROM (
    SELECT b.id AS bill_id, (x->>0)::smallint AS sequence, (x->>2)::bigint AS cents
    FROM taxes_roll_staging s JOIN taxes_taxbill b ON b.number = s.bill_number,
    jsonb_array_elements(s.detail->'i') x
    WHERE NOT EXISTS (SELECT 1 FROM taxes_roll_new_bills n WHERE n.id = b.id)
) st
WHERE i.bill_id = st.bill_id AND i.sequence = st.sequence
  AND i.adjustment_cents <> st.cents - i.amount_cents
"""


def _apply(cursor, report: RollReport) -> None:
    batch = report.batch.pk
    cursor.execute(_PARCELS)
    report.parcels_created, report.parcels_updated = cursor.fetchone()
    for statement in _OWNERS:
        cursor.execute(statement)
    cursor.execute(_BILLS, {"batch": batch})
    cursor.execute("SELECT count(*) FROM taxes_roll_new_bills")
    report.bills_created = cursor.fetchone()[0]
    cursor.execute("CREATE INDEX ON taxes_roll_new_bills (number)")
    cursor.execute("ANALYZE taxes_roll_new_bills")
    for statement in _NEW_BILL_ROWS:
        cursor.execute(statement, {"batch": batch})
    cursor.execute(_ESCROW)
    cursor.execute(
        _ADJUSTMENTS,
        {
            "batch": batch,
            "reason": (_("Corrected roll %(file)s") % {"file": report.file_name})[:200],
        },
    )
    report.adjustment_lines, report.bills_adjusted, issued = cursor.fetchone()
    report.bills_unchanged = issued - report.bills_adjusted
    cursor.execute(_INSTALMENT_ADJUSTMENTS)
