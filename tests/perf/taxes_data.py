"""Parcels and tax bills in bulk for the tax benchmarks (tests/perf/test_taxes_bench.py).

A million bills through the roll import takes minutes of its own (measured elsewhere); here
parcels, their owner, a bill of two $1,000.00 instalments (due in 60 and 240 days) and its
levy line are inserted with one `INSERT … SELECT generate_series` per table, numbered
`TB-0000001`… (bills `2026-0000001`…) so the benchmark's rows never meet the demo's, then
VACUUM (ANALYZE), the state autovacuum keeps a live roll in.
"""

from __future__ import annotations

from django.contrib.sessions.backends.cached_db import SessionStore
from django.db import connection

from taxes.codes import ACCESS_CODE_SQL

PREFIX = "TB-"
LAST_NAMES = ["Rivera", "Nguyen", "Okafor", "Schmidt", "Haddad", "Kowalski", "Tanaka", "Silva"]


def parcel_number(n: int) -> str:
    return f"{PREFIX}{n:07d}"


def grow_to(total: int) -> None:
    """Insert benchmark parcels and bills until there are `total`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(max(substr(number, 4)::int), 0) FROM taxes_parcel "
            "WHERE number LIKE 'TB-%%'"
        )
        have = cursor.fetchone()[0]
        if have >= total:
            return
        bounds = {"start": have + 1, "total": total, "last": LAST_NAMES, "count": len(LAST_NAMES)}
        cursor.execute(
            """
            INSERT INTO taxes_parcel (created_at, updated_at, number, situs_address, land_use)
            SELECT now(), now(), 'TB-' || lpad(g::text, 7, '0'),
                   g || ' BENCHMARK ' || (ARRAY['ELM STREET', 'OAK AVENUE', 'MAPLE ROAD',
                   'PINE LANE', 'CEDAR COURT'])[1 + g %% 5], 'residential'
            FROM generate_series(%(start)s::int, %(total)s::int) AS g
            """,
            bounds,
        )
        window = "p.number BETWEEN 'TB-' || lpad(%(start)s::text, 7, '0') AND 'TB-' || lpad(%(total)s::text, 7, '0')"  # noqa: E501
        cursor.execute(
            f"""
            INSERT INTO taxes_owner (created_at, updated_at, parcel_id, position, name,
                                     last_name, mailing_address)
            SELECT now(), now(), p.id, 1, 'Pat ' || l.name, l.name, p.situs_address
            FROM taxes_parcel p,
                 LATERAL (SELECT (%(last)s::text[])[1 + p.id %% %(count)s] AS name) AS l
            WHERE {window}
            """,  # noqa: S608
            bounds,
        )
        cursor.execute(
            f"""
            INSERT INTO taxes_taxbill (created_at, updated_at, parcel_id, tax_year, number,
                                       access_code, escrow_lender)
            SELECT now(), now(), p.id, 2026, '2026-' || substr(p.number, 4),
                   {ACCESS_CODE_SQL}, ''
            FROM taxes_parcel p WHERE {window}
            """,  # noqa: S608
            bounds,
        )
        bills = f"SELECT b.id FROM taxes_taxbill b JOIN taxes_parcel p ON p.id = b.parcel_id WHERE {window}"  # noqa: E501, S608
        cursor.execute(
            f"""
            INSERT INTO taxes_billline (created_at, updated_at, bill_id, kind, district,
                                        amount_cents, reason)
            SELECT now(), now(), id, 'levy', 'COUNTY', 200000, '' FROM ({bills}) AS b
            """,  # noqa: S608
            bounds,
        )
        cursor.execute(
            f"""
            INSERT INTO taxes_instalment (created_at, updated_at, bill_id, sequence, due_date,
                amount_cents, adjustment_cents, principal_paid_cents, penalty_paid_cents,
                interest_paid_cents, discount_cents)
            SELECT now(), now(), b.id, s.sequence, current_date + s.days, 100000, 0, 0, 0, 0, 0
            FROM ({bills}) AS b, (VALUES (1, 60), (2, 240)) AS s(sequence, days)
            """,  # noqa: S608
            bounds,
        )
        for table in ("parcel", "owner", "taxbill", "billline", "instalment"):
            cursor.execute(f"VACUUM (ANALYZE) taxes_{table}")


def delete_all() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM taxes_instalment WHERE bill_id IN "
            "(SELECT b.id FROM taxes_taxbill b JOIN taxes_parcel p ON p.id = b.parcel_id "
            "WHERE p.number LIKE 'TB-%%')"
        )
        cursor.execute(
            "DELETE FROM taxes_billline WHERE bill_id IN "
            "(SELECT b.id FROM taxes_taxbill b JOIN taxes_parcel p ON p.id = b.parcel_id "
            "WHERE p.number LIKE 'TB-%%')"
        )
        cursor.execute(
            "DELETE FROM taxes_taxbill WHERE parcel_id IN "
            "(SELECT id FROM taxes_parcel WHERE number LIKE 'TB-%%')"
        )
        cursor.execute(
            "DELETE FROM taxes_owner WHERE parcel_id IN "
            "(SELECT id FROM taxes_parcel WHERE number LIKE 'TB-%%')"
        )
        cursor.execute("DELETE FROM taxes_parcel WHERE number LIKE 'TB-%%'")
        for table in ("parcel", "owner", "taxbill", "billline", "instalment"):
            cursor.execute(f"VACUUM (ANALYZE) taxes_{table}")


def opened_session(bill_ids: list[int]) -> str:
    """A visitor's session in which these bills were opened with their second factor (as the
    factor form leaves it); returns the session key for the cookie."""
    from taxes.views import SESSION_KEY

    session = SessionStore()
    session[SESSION_KEY] = bill_ids
    session.create()
    return session.session_key
