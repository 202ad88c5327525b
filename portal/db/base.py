"""PostgreSQL through psycopg 3: Django's backend, with a health check that needs no query.

With CONN_HEALTH_CHECKS, Django checks a kept connection before the first query of each
request, so that one the server has dropped is replaced instead of failing the request. Its
check is a `SELECT 1`: a round trip to the server on every request, about a twentieth of the
time of a signed-in page.

This check reads the connection's state where psycopg keeps it and asks the operating system
whether the socket has anything to read. Between requests an idle connection has nothing to
read: a server that closes it (a restart, a shutdown, `pg_terminate_backend`, an idle timeout)
sends a last message and the end of the stream, which make the socket readable. When it is
readable, what arrived is read: the end of the stream marks the connection dropped, while a
message a live server may send unasked (a notification, a changed setting) leaves it usable.
A silent network partition is beyond both checks: `SELECT 1` would wait for it as long as
the request's first query does.
"""

from __future__ import annotations

import select

import psycopg
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
        if not poller.poll(0):
            return True
        # Something arrived unasked: read it. A server's goodbye ends in the end of the stream,
        # which fails the read or leaves the socket readable; a notification leaves neither.
        try:
            pgconn.consume_input()
        except psycopg.Error:
            return False
        return pgconn.status == pq.ConnStatus.OK and not poller.poll(0)
