"""PostgreSQL through psycopg 3: Django's backend, with a health check that needs no query.

With CONN_HEALTH_CHECKS, Django checks a kept connection before the first query of each
request, so that one the server has dropped is replaced instead of failing the request. Its
check is a `SELECT 1`: a round trip to the server on every request, about a twentieth of the
time of a signed-in page.

This check reads the connection's state where psycopg keeps it and asks the operating system
whether the socket has anything to read. Between requests an idle connection has nothing to
read: a server that closes it (a restart, a shutdown, `pg_terminate_backend`, an idle timeout)
sends a last message and the end of the stream, which make the socket readable. Anything else
that could arrive unasked (a changed server setting) makes the connection look dropped too,
and it is replaced: a new connection, never a failed request. A silent network partition is
beyond both checks: `SELECT 1` would wait for it as long as the request's first query does.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq

_READY = frozenset({pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS})


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status not in _READY:
            return False
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN)
        return not poller.poll(0)
