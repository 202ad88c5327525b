"""Human case references: ``<PREFIX>-<YEAR>-<NNNNNN>``, e.g. ``LIC-2026-000042``.

The sequence restarts each year per prefix and is allocated by one atomic statement, so two
submissions at the same instant never share a number, on one server or many.
"""

from django.db import connection, transaction
from django.utils import timezone

from cases.models import CaseReferenceCounter

# Prefixes the portal keeps for its own references, and what uses each. No workflow and no
# numbering configured by an administrator (a license type's number prefix) may take one:
# the system check cases.E001 refuses a workflow that does.
RESERVED_PREFIXES = {
    "INV": "invoices",
    "RCT": "receipts",
}
INVOICE_PREFIX = "INV"
RECEIPT_PREFIX = "RCT"

_NEXT_VALUE_SQL = """
    INSERT INTO {table} AS counter (prefix, year, last_value)
    VALUES (%s, %s, 1)
    ON CONFLICT (prefix, year)
    DO UPDATE SET last_value = counter.last_value + 1
    RETURNING last_value
"""


def format_reference(*, prefix: str, year: int, number: int) -> str:
    """``LIC``, 2026, 42 -> ``LIC-2026-000042`` (wider than six digits past 999,999)."""
    return f"{prefix}-{year:04d}-{number:06d}"


def reference_allocate(*, prefix: str, year: int | None = None) -> str:
    """Return the next unused reference for `prefix` in `year` (the agency's current year).

    Must run inside the transaction that creates the case: the counter row stays locked until
    that transaction ends, and a rollback hands the number back, so committed cases never share
    or skip a number because of a failed submission.
    """
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "reference_allocate() must run inside the transaction that creates the case."
        )
    if year is None:
        year = timezone.localdate().year
    sql = _NEXT_VALUE_SQL.format(
        table=connection.ops.quote_name(CaseReferenceCounter._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix, year])
        (number,) = cursor.fetchone()
    return format_reference(prefix=prefix, year=year, number=number)


_NEXT_BLOCK_SQL = """
    INSERT INTO {table} AS counter (prefix, year, last_value)
    VALUES (%s, %s, %s)
    ON CONFLICT (prefix, year)
    DO UPDATE SET last_value = counter.last_value + EXCLUDED.last_value
    RETURNING last_value
"""


def reference_allocate_block(*, prefix: str, year: int, count: int) -> list[str]:
    """Return `count` consecutive unused references for `prefix` in `year`, in one statement.

    For bulk creation (a legacy import of thousands of licenses), where one statement per
    reference would dominate the time. Same transaction rule as `reference_allocate`.
    """
    if count <= 0:
        return []
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "reference_allocate_block() must run inside the transaction that uses the numbers."
        )
    sql = _NEXT_BLOCK_SQL.format(
        table=connection.ops.quote_name(CaseReferenceCounter._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix, year, count])
        (last,) = cursor.fetchone()
    return [
        format_reference(prefix=prefix, year=year, number=number)
        for number in range(last - count + 1, last + 1)
    ]
