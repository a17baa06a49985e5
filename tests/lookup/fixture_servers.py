"""Loopback fixture servers for the lookup tests: DNS (UDP + TCP, dnslib), RDAP and websites (HTTP).

Everything binds to 127.0.0.0/8 and is started and stopped by the tests. Zone data is written as zone
file lines so fixtures read like the DNS they imitate.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from dnslib import QTYPE, RCODE, RR, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class ZoneResolver(BaseResolver):
    """Answers from zone lines; follows CNAMEs; NXDOMAIN for names it does not know at all."""

    def __init__(self, zone_lines: Sequence[str]) -> None:
        self.records = [rr for line in zone_lines for rr in RR.fromZone(line)]
        self.queries: list[tuple[str, str]] = []

    def resolve(self, request: DNSRecord, handler: object) -> DNSRecord:
        reply = request.reply()
        qname, qtype = request.q.qname, QTYPE[request.q.qtype]
        self.queries.append((str(qname).rstrip(".").lower(), qtype))
        name = qname
        for _ in range(8):
            owned = [rr for rr in self.records if rr.rname == name]
            if not owned and name == qname and not self._known(qname):
                reply.header.rcode = RCODE.NXDOMAIN
                return reply
            matching = [rr for rr in owned if QTYPE[rr.rtype] == qtype]
            cname = [rr for rr in owned if QTYPE[rr.rtype] == "CNAME"]
            reply.add_answer(*matching)
            if matching or not cname or qtype == "CNAME":
                break
            reply.add_answer(*cname)
            name = cname[0].rdata.label
        return reply

    def _known(self, name: object) -> bool:
        """A name with records below it exists (empty non-terminal): NOERROR, not NXDOMAIN."""
        text = str(name).lower()
        return any(str(rr.rname).lower().endswith("." + text) for rr in self.records)


class FixtureDns:
    """UDP and TCP DNS on 127.0.0.1, same port."""

    def __init__(self, zone_lines: Sequence[str], host: str = "127.0.0.1") -> None:
        self.resolver = ZoneResolver(zone_lines)
        quiet = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
        # The kernel picks a free UDP port; the same TCP port may be in use by an unrelated connection
        # (another test's client socket, TIME_WAIT), so try fresh pairs until both bind.
        for attempt in range(50):
            udp = DNSServer(self.resolver, address=host, port=0, logger=quiet)
            port = udp.server.server_address[1]
            try:
                tcp = DNSServer(self.resolver, address=host, port=port, tcp=True, logger=quiet)
            except OSError:
                udp.server.server_close()
                if attempt == 49:
                    raise
                continue
            break
        self.udp, self.tcp, self.port = udp, tcp, port
        self.host = host
        self.udp.start_thread()
        self.tcp.start_thread()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def close(self) -> None:
        for server in (self.udp, self.tcp):
            server.stop()
            server.server.server_close()


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


class FixtureHttp:
    """A threaded HTTP server serving a fixed path -> `Route` table; records every request."""

    def __init__(
        self, routes: Mapping[str, Route], host: str = "127.0.0.2", headers: Mapping[str, str] | None = None
    ) -> None:
        self.routes = dict(routes)
        common = dict(headers or {})
        self.requests: list[tuple[str, dict[str, str]]] = []
        fixture = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fixture.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = fixture.routes.get(self.path.split("?", 1)[0], Route(404, b"not found"))
                self.send_response(route.status)
                for name, value in {**common, **route.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.host, self.port = host, self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str = "/", name: str | None = None) -> str:
        return f"http://{name or self.host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def rdap_json(data: Mapping[str, Any]) -> Route:
    return Route(200, json.dumps(data).encode(), {"Content-Type": "application/rdap+json"})


def vcard(fn: str, email: str | None = None) -> list[Any]:
    props: list[Any] = [["version", {}, "text", "4.0"], ["fn", {}, "text", fn]]
    if email:
        props.append(["email", {}, "text", email])
    return ["vcard", props]


def free_port_on(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
