"""A local stand-in for Twilio's Messages API, for tests of the real `TwilioSMSBackend`.

It answers POST /2010-04-01/Accounts/<sid>/Messages.json like Twilio: 201 with a message
sid, or the error queued with `fail_next` (Twilio's JSON error body). Every request is kept.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    authorization: str
    form: dict[str, str]


class TwilioStub:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._failures: list[tuple[int, dict]] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> TwilioStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                stub._handle(self)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, status: int, code: int, message: str) -> None:
        self._failures.append((status, {"code": code, "message": message, "status": status}))

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
        self.requests.append(
            RecordedRequest(handler.path, handler.headers.get("Authorization", ""), form)
        )
        if self._failures:
            status, payload = self._failures.pop(0)
        else:
            status, payload = 201, {"sid": f"SM{uuid.uuid4().hex}", "status": "queued"}
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
