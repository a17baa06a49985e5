"""Loopback peers for outbound tests and drills: an SMTP server (aiosmtpd) and a webhook receiver."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                sink.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                                      "raw": bytes(envelope.content),
                                      "data": envelope.content.decode("utf-8", "replace")})
                return "250 OK"

        with socket.socket() as probe:  # aiosmtpd's start-up check needs a real port number
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()


class WebhookReceiver:
    def __init__(self, host: str = "127.0.0.1", status: int = 200) -> None:
        self.calls: list[dict[str, Any]] = []
        receiver = self
        self.status = status

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.calls.append({"headers": dict(self.headers), "body": body, "received": time.perf_counter(),
                                       "json": json.loads(body or b"null")})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
