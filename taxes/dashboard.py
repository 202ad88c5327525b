"""The "My property taxes" section of the resident's dashboard (see portal/dashboard.py): the
parcels the person linked, paperless or not, and each one's next instalment still owed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection

from portal.dashboard import Section

LINKS_SHOWN = 5

# One row per linked parcel: its newest bill and that bill's first instalment with principal
# still owed (none when it is paid). Plain SQL, one statement, LIMIT-bound: the page costs the
# same for one parcel or five hundred.
_ROWS_SQL = """
    SELECT l.id, l.paperless_since IS NOT NULL, p.number, p.situs_address,
           b.number, b.tax_year, b.escrow_lender, i.sequence, i.due_date, i.owed_cents,
           i.updated_at
      FROM taxes_parcellink AS l
      JOIN taxes_parcel AS p ON p.id = l.parcel_id
      LEFT JOIN LATERAL (
           SELECT b.id, b.number, b.tax_year, b.escrow_lender FROM taxes_taxbill AS b
            WHERE b.parcel_id = l.parcel_id ORDER BY b.tax_year DESC LIMIT 1) AS b ON TRUE
      LEFT JOIN LATERAL (
           SELECT i.sequence, i.due_date, i.updated_at,
                  i.amount_cents + i.adjustment_cents - i.principal_paid_cents
                      - i.discount_cents AS owed_cents
             FROM taxes_instalment AS i
            WHERE i.bill_id = b.id
              AND i.amount_cents + i.adjustment_cents - i.principal_paid_cents
                  - i.discount_cents > 0
            ORDER BY i.sequence LIMIT 1) AS i ON TRUE
     WHERE l.user_id = %(user)s
     ORDER BY p.number, l.id
     LIMIT %(limit)s
"""


@dataclass(frozen=True)
class LinkedParcel:
    link_id: int
    paperless: bool
    parcel_number: str
    address: str
    bill_number: str | None
    tax_year: int | None
    escrow_lender: str
    next_sequence: int | None
    next_due_date: datetime.date | None
    next_owed_cents: int | None


@dataclass(frozen=True)
class PropertyTaxes:
    shown: list[LinkedParcel]
    more: bool


def linked_parcels(*, user, limit: int) -> PropertyTaxes | None:
    """`user`'s first `limit` linked parcels with their next instalment owed, in one query;
    None if they linked none."""
    if user is None or not user.is_authenticated:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_ROWS_SQL, {"user": user.pk, "limit": limit + 1})
        rows = cursor.fetchall()
    if not rows:
        return None
    shown = [
        LinkedParcel(*row[:7], next_sequence=row[7], next_due_date=row[8], next_owed_cents=row[9])
        for row in rows[:limit]
    ]
    return PropertyTaxes(shown=shown, more=len(rows) > limit)


# Everything the section shows, from the same statement: any change to a link, a bill's
# newest year or its next instalment changes the text.
STAMP = f"""
    SELECT string_agg(r::text, ';' ORDER BY r::text)
      FROM ({_ROWS_SQL.replace("%(limit)s", str(LINKS_SHOWN + 1))}) AS r
"""  # noqa: S608 (the statement is the module's own, the person a parameter)


SECTION = Section(
    key="taxes.parcels",
    template="taxes/_dashboard_parcels.html",
    read=linked_parcels,
    limit=LINKS_SHOWN,
    order=65,
    stamp=STAMP,
)
