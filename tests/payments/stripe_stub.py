"""A local stand-in for the parts of Stripe's API the portal calls, and Stripe's webhooks.

`StripeStub` is a threading HTTP server on a loopback port. The real `stripe` library talks
to it (settings.STRIPE_API_BASE) exactly as it would to api.stripe.com: form-encoded
requests, an Idempotency-Key header on POSTs, JSON answers and Stripe-shaped errors. It
answers:

    POST /v1/checkout/sessions                 create a Checkout Session
    GET  /v1/checkout/sessions/<id>            retrieve it
    POST /v1/checkout/sessions/<id>/expire     expire it (if still open)
    POST /v1/refunds                           refund part or all of a paid session's payment
    GET  /v1/refunds?payment_intent=<id>       list a payment's refunds, newest first
    GET  /v1/refunds?charge=<id>               list a charge's refunds, newest first

Events are sent as Stripe sends them at the installed library's API version: a charge in a
`charge.refunded` event no longer embeds its `refunds` list (Stripe stopped expanding it in
API version 2022-11-15), so the portal asks for the list (`GET /v1/refunds`).

It records every request (`requests`), replays the stored answer for a repeated idempotency
key as Stripe does, and can be told to fail the next calls (`fail_next`). The test plays the
payer with `pay(session_id)` and builds the webhook events Stripe would send with
`event(...)`, then signs them with `signature_header(...)`.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import stripe

_SESSION_PATH = re.compile(r"^/v1/checkout/sessions/(?P<id>[A-Za-z0-9_]+)$")
_EXPIRE_PATH = re.compile(r"^/v1/checkout/sessions/(?P<id>[A-Za-z0-9_]+)/expire$")


def _nested(pairs: list[tuple[str, str]]) -> dict:
    """Decode Stripe's form encoding (``line_items[0][price_data][currency]=usd``) to dicts;
    list indexes become dict keys "0", "1"... and are turned into lists afterwards."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node):
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [listify(node[k]) for k in sorted(node, key=int)]
            return {k: listify(v) for k, v in node.items()}
        return node

    return listify(root)


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict
    idempotency_key: str | None
    authorization: str | None


@dataclass
class _Failure:
    method: str
    path_prefix: str
    status: int
    error_type: str
    code: str


@dataclass
class StripeStub:
    requests: list[RecordedRequest] = field(default_factory=list)
    sessions: dict[str, dict] = field(default_factory=dict)
    refunds: dict[str, dict] = field(default_factory=dict)
    _failures: list[_Failure] = field(default_factory=list)
    _delays: list[tuple[str, str, float]] = field(default_factory=list)
    _idempotent: dict[tuple[str, str], tuple[int, dict]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # --- Server life ---------------------------------------------------------------------

    def start(self) -> StripeStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                stub._handle(self, "GET")

            def do_POST(self):
                stub._handle(self, "POST")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- What the test controls ------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        *,
        status: int = 500,
        error_type: str = "api_error",
        code: str = "",
        times: int = 1,
    ) -> None:
        """Make the next `times` matching requests fail with a Stripe-shaped error."""
        with self._lock:
            self._failures.extend(
                _Failure(method, path_prefix, status, error_type, code) for _ in range(times)
            )

    def delay_next(self, method: str, path_prefix: str, *, seconds: float, times: int = 1) -> None:
        """Make the next `times` matching requests wait `seconds` before Stripe acts on them
        (a slow Stripe; a client that gives up first has its request carried out anyway)."""
        with self._lock:
            self._delays.extend((method, path_prefix, seconds) for _ in range(times))

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def pay(self, session_id: str, *, payment_status: str = "paid") -> dict:
        """The payer completes the checkout on Stripe's page; return the session."""
        with self._lock:
            session = self.sessions[session_id]
            session["status"] = "complete"
            session["payment_status"] = payment_status
            session["payment_intent"] = session["payment_intent"] or f"pi_{secrets.token_hex(8)}"
            session["_charge"] = f"ch_{secrets.token_hex(8)}"
            return dict(session)

    def expire(self, session_id: str) -> dict:
        with self._lock:
            session = self.sessions[session_id]
            session["status"] = "expired"
            return dict(session)

    @staticmethod
    def event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
        """A webhook event as Stripe sends it, about `obj` (a session or a charge)."""
        public = {k: v for k, v in obj.items() if not k.startswith("_")}
        return {
            "id": event_id or f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": stripe.api_version,
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
            "data": {"object": public},
        }

    def charge(self, session_id: str) -> dict:
        """The charge behind a paid session, with what has been refunded so far, as Stripe
        sends it since API version 2022-11-15: the amount, but not the refunds themselves."""
        with self._lock:
            session = self.sessions[session_id]
            refunds = [
                r for r in self.refunds.values() if r["payment_intent"] == session["payment_intent"]
            ]
            return {
                "id": session["_charge"],
                "object": "charge",
                "amount": session["amount_total"],
                "amount_refunded": sum(r["amount"] for r in refunds),
                "currency": session["currency"],
                "payment_intent": session["payment_intent"],
                "refunded": sum(r["amount"] for r in refunds) == session["amount_total"],
            }

    # --- Request handling ------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        path, _, query = handler.path.partition("?")
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else query
        params = _nested(parse_qsl(body, keep_blank_values=True))
        key = handler.headers.get("Idempotency-Key")
        with self._lock:
            self.requests.append(
                RecordedRequest(method, path, params, key, handler.headers.get("Authorization"))
            )
            delay = next(
                (d for d in self._delays if d[0] == method and path.startswith(d[1])), None
            )
            if delay is not None:
                self._delays.remove(delay)
        if delay is not None:
            time.sleep(delay[2])
        with self._lock:
            failure = next(
                (
                    f
                    for f in self._failures
                    if f.method == method and path.startswith(f.path_prefix)
                ),
                None,
            )
            if failure is not None:
                self._failures.remove(failure)
                status, answer = (
                    failure.status,
                    self._error(failure.error_type, failure.code, "Injected failure"),
                )
            elif key and (method, key) in self._idempotent:
                status, answer = self._idempotent[(method, key)]
            else:
                status, answer = self._route(method, path, params)
                if key and status < 500:
                    self._idempotent[(method, key)] = (status, answer)
        payload = json.dumps(answer).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout): Stripe acted all the same

    @staticmethod
    def _error(error_type: str, code: str, message: str) -> dict:
        return {"error": {"type": error_type, "code": code or None, "message": message}}

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params)
        if method == "POST" and path == "/v1/refunds":
            return self._create_refund(params)
        if method == "GET" and path == "/v1/refunds":
            return self._list_refunds(params)
        if method == "GET" and (match := _SESSION_PATH.match(path)):
            session = self.sessions.get(match["id"])
            if session is None:
                return 404, self._error(
                    "invalid_request_error", "resource_missing", "No such session"
                )
            return 200, {k: v for k, v in session.items() if not k.startswith("_")}
        if method == "POST" and (match := _EXPIRE_PATH.match(path)):
            session = self.sessions.get(match["id"])
            if session is None or session["status"] != "open":
                return 400, self._error("invalid_request_error", "", "Session is not open")
            session["status"] = "expired"
            return 200, {k: v for k, v in session.items() if not k.startswith("_")}
        return 404, self._error("invalid_request_error", "", f"Unrecognized request URL ({path})")

    def _create_session(self, params: dict) -> tuple[int, dict]:
        items = params.get("line_items") or []
        if not items:
            return 400, self._error("invalid_request_error", "parameter_missing", "line_items")
        currencies = {item["price_data"]["currency"] for item in items}
        amount = sum(
            int(item["price_data"]["unit_amount"]) * int(item["quantity"]) for item in items
        )
        session_id = f"cs_test_{secrets.token_hex(12)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "amount_subtotal": amount,
            "currency": currencies.pop(),
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata") or {},
            "expires_at": int(params["expires_at"]),
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "payment_intent": None,
            "livemode": False,
            "_charge": None,
        }
        self.sessions[session_id] = session
        return 200, {k: v for k, v in session.items() if not k.startswith("_")}

    def _list_refunds(self, params: dict) -> tuple[int, dict]:
        # Stripe pages at `limit` (at most 100) with `starting_after`, newest first.
        limit = min(int(params.get("limit") or 10), 100)
        refunds = [
            r
            for r in reversed(self.refunds.values())
            if (not params.get("payment_intent") or r["payment_intent"] == params["payment_intent"])
            and (not params.get("charge") or r.get("charge") == params["charge"])
        ]
        if after := params.get("starting_after"):
            ids = [r["id"] for r in refunds]
            refunds = refunds[ids.index(after) + 1 :] if after in ids else []
        return 200, {
            "object": "list",
            "url": "/v1/refunds",
            "has_more": len(refunds) > limit,
            "data": refunds[:limit],
        }

    def _create_refund(self, params: dict) -> tuple[int, dict]:
        intent = params.get("payment_intent")
        session = next((s for s in self.sessions.values() if s["payment_intent"] == intent), None)
        if session is None or session["payment_status"] != "paid":
            return 400, self._error("invalid_request_error", "resource_missing", "No such payment")
        amount = int(params.get("amount") or session["amount_total"])
        refunded = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent)
        if amount > session["amount_total"] - refunded:
            return 400, self._error(
                "invalid_request_error", "amount_too_large", "Refund is larger than the charge"
            )
        refund = {
            "id": f"re_{secrets.token_hex(12)}",
            "object": "refund",
            "amount": amount,
            "currency": session["currency"],
            "payment_intent": intent,
            "charge": session["_charge"],
            "status": "succeeded",
            "metadata": params.get("metadata") or {},
        }
        self.refunds[refund["id"]] = refund
        return 200, refund


def signature_header(payload: str, secret: str, *, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send for `payload` (the exact body)."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
