"""Importing the assessor's tax roll: a CSV file of parcels, owners and bills (the columns are
in `taxes.roll_columns` and docs/tax-roll.md).

`roll_import` streams the file, as it is, into a staging table through PostgreSQL COPY
(psycopg 3's `cursor.copy`; see `taxes.services.roll_staging`), so a roll of a million parcels
never sits in the process's memory. Every check runs in SQL: each row's cells, then what
needs the whole file or the database (a parcel twice in the file, a bill number already used
for another parcel, an issued bill's instalments changed). Then a few set-based statements write
parcels, owners, bills, lines and instalments (INSERT ... SELECT ... WHERE NOT EXISTS,
UPDATE ... FROM).

All or nothing: a file with any row error changes nothing, and its report lists the errors
by row. A dry run does the whole import and rolls it back, so its preview says exactly what
the import will do. Importing the same file again changes nothing: each bill keeps the digest
of what its roll row bills (`TaxBill.roll_digest`), and the bills whose digest is the file's are
skipped (neither compared line by line nor written). A corrected roll never
rewrites what was billed: each difference with a bill already issued becomes an adjustment
line (for the district or exemption that changed) and moves the instalments'
`adjustment_cents`; an instalment it now bills less than was paid on it leaves the difference
as a credit on the payments that paid it, refunded as a duplicate payment's is
(`_overpayments_credited`). The roll is compared with what the rolls billed: the staff's adjustments
and abatements (taxes.services.adjustments) stay as they are. Owners and addresses follow
the latest roll (they are not billed amounts).

The escrow lender follows the roll too, each change written on the bill's timeline, except on
a bill a lender declared in its own escrow file (taxes.services.escrow): like the escrow file
against another lender's bill, the roll never overwrites it. A roll naming another lender
there is a conflict, kept for staff to settle: listed in the report as a note on its row
(notes are no errors: the import goes ahead) and written on the bill's timeline once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from payments.money import format_cents
from taxes.codes import ACCESS_CODE_SQL
from taxes.models import BillEventKind, RollImport
from taxes.services import notices
from taxes.services.roll_staging import Staged, stage

logger = logging.getLogger(__name__)

# Errors listed in a report (a file with more has them counted, not listed).
MAX_LISTED_ERRORS = 1000
# One roll import at a time: two at once would both see a parcel as new.
_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('taxes.roll_import'))"


@dataclass
class RollReport:
    """What an import did (or, in a dry run, would do)."""

    file_name: str
    sha256: str = ""
    rows: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    error_count: int = 0
    # What staff should check on rows that are imported all the same (a lender conflict).
    notes: list[tuple[int, str]] = field(default_factory=list)
    note_count: int = 0
    # Rows naming another lender than a confirmed escrow file's, and how many of those this
    # import was the first to record on the bill's timeline (the rest were recorded before).
    lender_conflicts: int = 0
    lender_conflicts_new: int = 0
    # Instalments the roll now bills less than was paid on them, and how much of what was
    # paid becomes credits (`credits`: what the preview lists, by row).
    credits: list[tuple[int, str]] = field(default_factory=list)
    credit_count: int = 0
    credit_cents: int = 0
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
    def credit_total(self) -> str:
        return format_cents(self.credit_cents, settings.AGENCY["currency"])

    @property
    def applied(self) -> bool:
        return not self.dry_run and not self.error_count

    def error(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append((line, message))

    def note(self, line: int, message: str) -> None:
        self.note_count += 1
        if len(self.notes) < MAX_LISTED_ERRORS:
            self.notes.append((line, message))


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
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL)
            staged = stage(cursor, stream, report)
            report.sha256 = staged.sha256
            if not report.error_count:
                _check_against_file_and_database(cursor, staged, report)
            if report.error_count:
                raise _Rollback
            report.batch = RollImport.objects.create(
                file_name=file_name[:255],
                file_sha256=report.sha256,
                imported_by=actor,
                rows=report.rows,
            )
            _apply(cursor, staged, report)
            report.seconds = time.monotonic() - started
            RollImport.objects.filter(pk=report.batch.pk).update(
                parcels_created=report.parcels_created,
                bills_created=report.bills_created,
                bills_adjusted=report.bills_adjusted,
                bills_unchanged=report.bills_unchanged,
                lender_conflicts=report.lender_conflicts,
                lender_conflicts_new=report.lender_conflicts_new,
                seconds=report.seconds,
            )
            if dry_run:
                raise _Rollback
            # The bills are published: their paperless owners are told, with the import.
            notices.roll_bills_published_notify(roll_import_id=report.batch.pk)
    except _Rollback:
        report.batch = None
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
            SELECT s.line, s.bill_number, b.id AS bill_id, i.sequence, i.due_date
            FROM taxes_roll_staging s
            JOIN taxes_taxbill b ON b.number = s.bill_number AND b.roll_digest <> s.digest
            CROSS JOIN LATERAL (VALUES {instalments}) AS i(sequence, due_date, cents)
            WHERE i.due_date IS NOT NULL
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
    (
        # The staff's adjustments of an instalment stay (see _INSTALMENT_ADJUSTMENTS): a roll
        # billing less than they took off would leave it owing less than nothing.
        gettext_noop(
            "Bill %(parcel)s: the tax office took more off instalment %(other)s than the roll "
            "now bills for it. Have the tax office reverse its adjustment first, or correct "
            "the roll."
        ),
        """
        SELECT s.line, s.bill_number, x.sequence
        FROM taxes_roll_staging s
        JOIN taxes_taxbill b ON b.number = s.bill_number AND b.roll_digest <> s.digest
        CROSS JOIN LATERAL (VALUES {instalments}) AS x(sequence, due_date, cents)
        JOIN taxes_instalment i ON i.bill_id = b.id AND i.sequence = x.sequence
        CROSS JOIN LATERAL (SELECT sum(a.amount_cents) AS cents FROM taxes_billadjustment a
                            WHERE a.instalment_id = i.id) staff
        WHERE x.due_date IS NOT NULL AND x.cents + staff.cents < 0
        ORDER BY s.line, x.sequence LIMIT %(limit)s
        """,
    ),
)


def _check_against_file_and_database(cursor, staged: Staged, report: RollReport) -> None:
    for message, query in _SQL_CHECKS:
        cursor.execute(_with_rows(query, staged), {"limit": MAX_LISTED_ERRORS})
        for line, value, other in cursor.fetchall():
            report.error(line, _(message) % {"parcel": value, "other": other})


# New parcels by an anti-join, changed ones by an UPDATE: cheaper than INSERT ... ON CONFLICT,
# which makes a speculative insertion per row. The import's advisory lock keeps a second
# import from adding the same parcel meanwhile; any other writer would meet the unique index.
_PARCELS_LATEST = """
CREATE TEMPORARY TABLE taxes_roll_parcels ON COMMIT DROP AS
SELECT DISTINCT ON (parcel_number) parcel_number, situs_address, land_use
FROM taxes_roll_staging ORDER BY parcel_number, tax_year DESC
"""

_PARCELS_UPDATED = """
UPDATE taxes_parcel p
SET situs_address = l.situs_address, land_use = l.land_use, updated_at = now()
FROM taxes_roll_parcels l
WHERE p.number = l.parcel_number
  AND (p.situs_address, p.land_use) IS DISTINCT FROM (l.situs_address, l.land_use)
"""

_PARCELS_CREATED = """
INSERT INTO taxes_parcel (number, situs_address, land_use, created_at, updated_at)
SELECT l.parcel_number, l.situs_address, l.land_use, now(), now() FROM taxes_roll_parcels l
WHERE NOT EXISTS (SELECT 1 FROM taxes_parcel p WHERE p.number = l.parcel_number)
"""

_OWNERS = (
    """
    CREATE TEMPORARY TABLE taxes_roll_owners ON COMMIT DROP AS
    SELECT p.id AS parcel_id, o.position, o.name, o.last_name, o.mailing_address
    FROM (SELECT DISTINCT ON (parcel_number) parcel_number, line
          FROM taxes_roll_staging ORDER BY parcel_number, tax_year DESC) s
    JOIN taxes_parcel p ON p.number = s.parcel_number
    JOIN taxes_roll_owner_rows o ON o.line = s.line
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
                               roll_digest, roll_import_id, created_at, updated_at)
    SELECT p.id, s.tax_year, s.bill_number, {ACCESS_CODE_SQL}, s.escrow_lender,
           s.digest, %(batch)s, now(), now()
    FROM taxes_roll_staging s JOIN taxes_parcel p ON p.number = s.parcel_number
    WHERE NOT EXISTS (SELECT 1 FROM taxes_taxbill b WHERE b.number = s.bill_number)
    RETURNING id, number
)
SELECT * FROM written
"""  # noqa: S608 (constants only: the access code expression)

_NEW_BILL_ROWS = (
    """
    INSERT INTO taxes_billline (bill_id, kind, district, amount_cents, reason, roll_import_id,
                                created_at, updated_at)
    SELECT b.id, l.kind, l.district, l.cents, '', %(batch)s, now(), now()
    FROM taxes_roll_new_bills b JOIN taxes_roll_staging s ON s.bill_number = b.number
    CROSS JOIN LATERAL (VALUES {lines}) AS l(kind, district, cents)
    WHERE l.cents <> 0
    """,
    """
    INSERT INTO taxes_instalment (bill_id, sequence, due_date, amount_cents, adjustment_cents,
        principal_paid_cents, penalty_paid_cents, interest_paid_cents, discount_cents,
        created_at, updated_at)
    SELECT b.id, i.sequence, i.due_date, i.cents, 0, 0, 0, 0, 0, now(), now()
    FROM taxes_roll_new_bills b JOIN taxes_roll_staging s ON s.bill_number = b.number
    CROSS JOIN LATERAL (VALUES {instalments}) AS i(sequence, due_date, cents)
    WHERE i.due_date IS NOT NULL
    """,
)

# The bills of the roll that a lender declared in its own escrow file (a row of its file
# marked the bill, or found it marked already) and that still name that lender: the roll
# changes no lender there. An empty cell is no news that the lender stopped paying, the same
# lender spelled otherwise is the same lender, and another lender is a conflict (below).
_DECLARED = """
CREATE TEMPORARY TABLE taxes_roll_declared ON COMMIT DROP AS
SELECT s.line, b.id AS bill_id, b.number, b.escrow_lender AS lender,
       s.escrow_lender AS roll_lender,
       (btrim(s.escrow_lender) <> ''
        AND lower(btrim(s.escrow_lender)) <> lower(btrim(b.escrow_lender))) AS conflict
FROM taxes_roll_staging s JOIN taxes_taxbill b ON b.number = s.bill_number
WHERE b.escrow_lender <> s.escrow_lender AND EXISTS (
    SELECT 1 FROM taxes_escrowfilerow r
    JOIN taxes_escrowfile f ON f.id = r.file_id JOIN taxes_lender l ON l.id = f.lender_id
    WHERE r.bill_id = b.id AND r.outcome IN ('marked', 'unchanged')
      AND lower(btrim(l.name)) = lower(btrim(b.escrow_lender)))
"""

_CONFLICTS = """
SELECT line, number, lender, roll_lender FROM taxes_roll_declared WHERE conflict
ORDER BY line LIMIT %(limit)s
"""

# Once per bill and pair of lenders (the key), so the same roll imported again writes nothing.
_CONFLICT_EVENTS = """
INSERT INTO taxes_billevent (bill_id, kind, key, data, created_at)
SELECT bill_id, %(kind)s,
       'lender-conflict:' || md5(lower(btrim(lender)) || chr(10) || lower(btrim(roll_lender))),
       jsonb_build_object('lender', lender, 'roll_lender', roll_lender,
                          'roll_import', %(batch)s::bigint),
       now()
FROM taxes_roll_declared WHERE conflict
ON CONFLICT (bill_id, key) DO NOTHING
"""

# Everywhere else the roll's lender replaces the bill's, and the bill's timeline says so.
_ESCROW = """
WITH changed AS (
    SELECT b.id, b.escrow_lender AS before, s.escrow_lender AS after
    FROM taxes_roll_staging s JOIN taxes_taxbill b ON b.number = s.bill_number
    WHERE b.escrow_lender <> s.escrow_lender
      AND NOT EXISTS (SELECT 1 FROM taxes_roll_declared d WHERE d.bill_id = b.id)
), updated AS (
    UPDATE taxes_taxbill b SET escrow_lender = c.after, updated_at = now()
    FROM changed c WHERE b.id = c.id
)
INSERT INTO taxes_billevent (bill_id, kind, key, data, created_at)
SELECT id, %(kind)s, 'lender:' || %(batch)s::bigint,
       jsonb_build_object('from', before, 'to', after, 'roll_import', %(batch)s::bigint), now()
FROM changed
ON CONFLICT (bill_id, key) DO NOTHING
"""


def _escrow_lenders(cursor, report: RollReport) -> None:
    batch = report.batch.pk
    cursor.execute(_DECLARED)
    cursor.execute(_CONFLICTS, {"limit": MAX_LISTED_ERRORS})
    for line, number, lender, roll_lender in cursor.fetchall():
        report.note(
            line,
            _(
                "Bill %(bill)s: the roll names %(roll_lender)s as the escrow lender, but "
                "%(lender)s declared the bill in its escrow file. The bill stays with "
                "%(lender)s until the tax office settles it with both lenders."
            )
            % {"bill": number, "roll_lender": roll_lender.strip(), "lender": lender.strip()},
        )
    cursor.execute("SELECT count(*) FROM taxes_roll_declared WHERE conflict")
    report.lender_conflicts = cursor.fetchone()[0]
    report.note_count = report.lender_conflicts
    cursor.execute(_CONFLICT_EVENTS, {"kind": BillEventKind.LENDER_CONFLICT, "batch": batch})
    report.lender_conflicts_new = cursor.rowcount
    cursor.execute(_ESCROW, {"kind": BillEventKind.LENDER_CHANGED, "batch": batch})


# Bills already issued whose roll row bills something else than when it was last imported
# (their digest differs: a new bill has the row's digest already). The others are unchanged
# and skipped: a re-import of the same roll compares one column per bill.
_CHANGED = """
CREATE TEMPORARY TABLE taxes_roll_changed ON COMMIT DROP AS
SELECT b.id AS bill_id, s.line, s.digest
FROM taxes_roll_staging s JOIN taxes_taxbill b ON b.number = s.bill_number
WHERE b.roll_digest <> s.digest
"""

# Each changed bill's district (or exemption) net as billed against the roll's. What was
# billed is what the rolls billed: the staff's adjustments and abatements (the lines of a
# taxes_billadjustment) are no part of the roll, so a corrected roll neither counts them as
# differences nor reverses them; they stay on the bill beside the roll's adjustments.
_ADJUSTMENTS = """
WITH staged AS (
    SELECT c.bill_id, l.district, sum(l.cents) AS cents
    FROM taxes_roll_changed c JOIN taxes_roll_staging s ON s.line = c.line
    CROSS JOIN LATERAL (VALUES {lines}) AS l(kind, district, cents)
    WHERE l.cents <> 0 GROUP BY 1, 2
), billed AS (
    SELECT l.bill_id, l.district, sum(l.amount_cents) AS cents FROM taxes_billline l
    WHERE l.bill_id IN (SELECT bill_id FROM taxes_roll_changed)
      AND NOT EXISTS (SELECT 1 FROM taxes_billadjustment a WHERE a.line_id = l.id)
    GROUP BY 1, 2
), written AS (
    INSERT INTO taxes_billline (bill_id, kind, district, amount_cents, reason, roll_import_id,
                                created_at, updated_at)
    SELECT coalesce(st.bill_id, bi.bill_id), 'adjustment', coalesce(st.district, bi.district),
           coalesce(st.cents, 0) - coalesce(bi.cents, 0), %(reason)s, %(batch)s, now(), now()
    FROM staged st FULL JOIN billed bi ON bi.bill_id = st.bill_id AND bi.district = st.district
    WHERE coalesce(st.cents, 0) <> coalesce(bi.cents, 0)
    RETURNING bill_id
)
SELECT count(*), count(DISTINCT bill_id) FROM written
"""

# An instalment's adjustment is the roll's (its amount now less what it first billed) plus
# the staff's adjustments of that instalment, which the roll keeps.
_INSTALMENT_ADJUSTMENTS = """
WITH target AS (
    SELECT i.id, x.cents - i.amount_cents + coalesce(
               (SELECT sum(a.amount_cents) FROM taxes_billadjustment a
                WHERE a.instalment_id = i.id), 0) AS cents
    FROM taxes_roll_changed c JOIN taxes_roll_staging s ON s.line = c.line
    CROSS JOIN LATERAL (VALUES {instalments}) AS x(sequence, due_date, cents)
    JOIN taxes_instalment i ON i.bill_id = c.bill_id AND i.sequence = x.sequence
    WHERE x.due_date IS NOT NULL
)
UPDATE taxes_instalment i SET adjustment_cents = t.cents, updated_at = now()
FROM target t WHERE i.id = t.id AND i.adjustment_cents <> t.cents
"""

# An instalment the corrected roll now bills less than was paid on it (its principal less
# the discount given): the difference goes back to the payments that paid it, as a credit
# each can have refunded like a duplicate payment's (taxes.services.credits). Only instalments
# whose adjustment just moved can be overpaid, and _INSTALMENT_ADJUSTMENTS locked those, so
# no payment is applied to them meanwhile. The credit is what was paid of the principal, at
# most: a discount given is kept.
_OVERPAID = """
CREATE TEMPORARY TABLE taxes_roll_overpaid ON COMMIT DROP AS
SELECT c.line, b.number, i.bill_id, i.id AS instalment_id, i.sequence,
       least(i.principal_paid_cents,
             i.principal_paid_cents + i.discount_cents - i.amount_cents - i.adjustment_cents)
         AS cents
FROM taxes_roll_changed c JOIN taxes_instalment i ON i.bill_id = c.bill_id
JOIN taxes_taxbill b ON b.id = c.bill_id
WHERE i.principal_paid_cents > 0
  AND i.principal_paid_cents + i.discount_cents > i.amount_cents + i.adjustment_cents
"""

# The bills' payments are locked (in primary-key order) before they are chosen, so a refund
# of a credit asked meanwhile (taxes.services.credits locks the payment to record it) either
# came first and is seen below, or waits and refunds the credit as it is now.
_PAYMENTS_LOCK = """
SELECT 1 FROM taxes_billpayment
WHERE bill_id IN (SELECT bill_id FROM taxes_roll_overpaid) ORDER BY id FOR UPDATE
"""

# Which payments take each overpayment: the latest first (what was paid last is what was paid
# too much), each up to what it paid of that instalment. A payment whose credit refund was
# asked for takes nothing (its refund is for the credit as it was), nor a payment made
# outside the portal (no BillPayment: nothing to refund it through).
_CREDITS = """
CREATE TEMPORARY TABLE taxes_roll_credits ON COMMIT DROP AS
WITH takers AS (
    SELECT o.instalment_id, o.cents AS overpaid, p.id AS payment_id, bp.id AS bill_payment_id,
           p.principal_cents - p.credited_cents AS available,
           sum(p.principal_cents - p.credited_cents) OVER (
               PARTITION BY o.instalment_id ORDER BY p.paid_on DESC, p.id DESC) AS upto
    FROM taxes_roll_overpaid o
    JOIN taxes_instalmentpayment p
      ON p.instalment_id = o.instalment_id AND p.principal_cents > p.credited_cents
    JOIN taxes_billpayment bp ON bp.invoice_id = p.invoice_id AND bp.bill_id = o.bill_id
    WHERE NOT EXISTS (SELECT 1 FROM taxes_creditrefund r WHERE r.bill_payment_id = bp.id)
)
SELECT instalment_id, payment_id, bill_payment_id,
       least(available, overpaid - (upto - available)) AS cents
FROM takers WHERE upto - available < overpaid
"""

# Overpayments that the payments cannot take whole: the row is refused (all or nothing).
_CREDITS_SHORT = """
SELECT o.line, o.number, o.sequence, o.cents, coalesce(sum(c.cents), 0), count(*) OVER ()
FROM taxes_roll_overpaid o LEFT JOIN taxes_roll_credits c ON c.instalment_id = o.instalment_id
GROUP BY o.line, o.number, o.sequence, o.cents, o.instalment_id
HAVING coalesce(sum(c.cents), 0) < o.cents
ORDER BY o.line, o.sequence LIMIT %(limit)s
"""

_CREDITS_LISTED = """
SELECT line, number, sequence, cents FROM taxes_roll_overpaid
ORDER BY line, sequence LIMIT %(limit)s
"""

_CREDITS_WRITTEN = (
    """
    UPDATE taxes_instalmentpayment p
    SET credited_cents = p.credited_cents + c.cents, updated_at = now()
    FROM taxes_roll_credits c WHERE p.id = c.payment_id
    """,
    """
    UPDATE taxes_instalment i
    SET principal_paid_cents = i.principal_paid_cents - o.cents, updated_at = now()
    FROM taxes_roll_overpaid o WHERE i.id = o.instalment_id
    """,
    """
    UPDATE taxes_billpayment bp SET credit_cents = bp.credit_cents + t.cents, updated_at = now()
    FROM (SELECT bill_payment_id, sum(cents) AS cents FROM taxes_roll_credits GROUP BY 1) t
    WHERE bp.id = t.bill_payment_id
    """,
    # The owner reads it on the bill's timeline, once per import and instalment.
    """
    INSERT INTO taxes_billevent (bill_id, kind, key, data, created_at)
    SELECT bill_id, %(kind)s, 'roll-credit:' || %(batch)s::bigint || ':' || sequence,
           jsonb_build_object('sequence', sequence, 'cents', cents,
                              'roll_import', %(batch)s::bigint), now()
    FROM taxes_roll_overpaid
    ON CONFLICT (bill_id, key) DO NOTHING
    """,
)


def _overpayments_credited(cursor, report: RollReport) -> None:
    """Make each overpaid instalment's difference a credit on the payments that paid it (see
    _OVERPAID), listed in the report; an overpayment they cannot take whole refuses its row
    and ends the import (all or nothing)."""
    cursor.execute(_OVERPAID)
    cursor.execute("SELECT count(*), coalesce(sum(cents), 0) FROM taxes_roll_overpaid")
    report.credit_count, report.credit_cents = cursor.fetchone()
    if not report.credit_count:
        return
    cursor.execute("ANALYZE taxes_roll_overpaid")
    cursor.execute(_PAYMENTS_LOCK)
    cursor.execute(_CREDITS)
    currency = settings.AGENCY["currency"]
    cursor.execute(_CREDITS_SHORT, {"limit": MAX_LISTED_ERRORS})
    short = cursor.fetchall()
    for line, number, sequence, cents, credited, _count in short:
        report.error(
            line,
            _(
                "Bill %(bill)s: instalment %(number)s was paid %(paid)s more than the roll now "
                "bills for it, and only %(credited)s of that can become a credit (the rest "
                "was paid by a payment whose credit refund was already asked for, or not "
                "paid online). Check the roll with the assessor before importing it."
            )
            % {
                "bill": number,
                "number": sequence,
                "paid": format_cents(cents, currency),
                "credited": format_cents(credited, currency),
            },
        )
    if short:
        report.error_count = max(report.error_count, short[0][5])
        raise _Rollback
    cursor.execute(_CREDITS_LISTED, {"limit": MAX_LISTED_ERRORS})
    for line, number, sequence, cents in cursor.fetchall():
        report.credits.append(
            (
                line,
                _(
                    "Bill %(bill)s: instalment %(number)s was paid %(paid)s more than the "
                    "roll now bills for it. That becomes a credit the payer can have refunded."
                )
                % {"bill": number, "number": sequence, "paid": format_cents(cents, currency)},
            )
        )
    params = {"kind": BillEventKind.ROLL_CREDIT, "batch": report.batch.pk}
    for statement in _CREDITS_WRITTEN:
        cursor.execute(statement, params)


# The changed bills now bill what the roll says: their digest is the roll's.
_DIGESTS = """
UPDATE taxes_taxbill b SET roll_digest = c.digest, updated_at = now()
FROM taxes_roll_changed c WHERE b.id = c.bill_id
"""


def _with_rows(query: str, staged: Staged) -> str:
    """`query` with the staged row's lines and instalments (`{lines}`, `{instalments}`: the
    rows of a `VALUES` list for the file's columns, built from its header's codes)."""
    return query.replace("{lines}", staged.lines).replace("{instalments}", staged.instalments)


def _apply(cursor, staged: Staged, report: RollReport) -> None:
    batch = report.batch.pk
    cursor.execute(_PARCELS_LATEST)
    cursor.execute("ANALYZE taxes_roll_parcels")
    cursor.execute(_PARCELS_UPDATED)
    report.parcels_updated = cursor.rowcount
    cursor.execute(_PARCELS_CREATED)
    report.parcels_created = cursor.rowcount
    for statement in _OWNERS:
        cursor.execute(statement)
    cursor.execute(_BILLS, {"batch": batch})
    cursor.execute("SELECT count(*) FROM taxes_roll_new_bills")
    report.bills_created = cursor.fetchone()[0]
    cursor.execute("CREATE INDEX ON taxes_roll_new_bills (number)")
    cursor.execute("ANALYZE taxes_roll_new_bills")
    for statement in _NEW_BILL_ROWS:
        cursor.execute(_with_rows(statement, staged), {"batch": batch})
    _escrow_lenders(cursor, report)
    cursor.execute(_CHANGED)
    cursor.execute("ANALYZE taxes_roll_changed")
    cursor.execute(
        _with_rows(_ADJUSTMENTS, staged),
        {
            "batch": batch,
            "reason": (_("Corrected roll %(file)s") % {"file": report.file_name})[:200],
        },
    )
    report.adjustment_lines, report.bills_adjusted = cursor.fetchone()
    # Each row is one bill (a bill number twice in the file is refused): the rest were issued.
    report.bills_unchanged = report.rows - report.bills_created - report.bills_adjusted
    cursor.execute(_with_rows(_INSTALMENT_ADJUSTMENTS, staged))
    _overpayments_credited(cursor, report)
    cursor.execute(_DIGESTS)
