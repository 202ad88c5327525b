"""The "To pay" section of the resident's dashboard (see portal/dashboard.py): the person's
invoices still due, shown only when there is one. Every service's fees and bills are
invoices, so a new service's bills appear here without a section of their own."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from payments.models import Invoice, InvoiceStatus
from portal import sql
from portal.dashboard import Section

_COLUMNS = sql.columns(
    Invoice,
    ("id", "reference", "description", "status", "total_cents", "currency", "due_date",
     "created_at"),
)  # fmt: skip
_DUE_SQL = f"""
    SELECT {sql.select_list(_COLUMNS)}
      FROM {Invoice._meta.db_table}
     WHERE payer_id = %s AND status = %s
     ORDER BY due_date ASC NULLS LAST, created_at, id
     LIMIT %s
"""  # noqa: S608 (table and columns come from the model, values are parameters)


@dataclass(frozen=True)
class InvoicesDue:
    shown: list[Invoice]  # the invoices due soonest first (those without a due date last)
    more: bool  # whether more are due than those


def invoices_due(*, user, limit: int) -> InvoicesDue | None:
    """`user`'s `limit` invoices due soonest, in one plain-SQL read (see portal/sql.py); None
    if nothing is due."""
    if user is None or not user.is_authenticated:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_DUE_SQL, [user.pk, InvoiceStatus.OPEN, limit + 1])
        rows = cursor.fetchall()
    if not rows:
        return None
    invoices = sql.instances(Invoice, _COLUMNS, rows)
    return InvoicesDue(shown=invoices[:limit], more=len(invoices) > limit)


DUE_LIMIT = 5
# Which invoices are due soonest and what can change of each.
STAMP = f"""
    SELECT string_agg(concat_ws(',', id, status, total_cents, due_date, updated_at), ';'
                      ORDER BY due_date ASC NULLS LAST, created_at, id)
      FROM (SELECT id, status, total_cents, due_date, updated_at, created_at
              FROM {Invoice._meta.db_table}
             WHERE payer_id = %(user)s AND status = '{InvoiceStatus.OPEN}'
             ORDER BY due_date ASC NULLS LAST, created_at, id
             LIMIT {DUE_LIMIT + 1}) AS due
"""  # noqa: S608 (table and status from the model, the limit a constant, the person a parameter)


SECTION = Section(
    key="payments.due",
    template="payments/_dashboard_due.html",
    read=invoices_due,
    limit=DUE_LIMIT,
    order=30,
    stamp=STAMP,
)
