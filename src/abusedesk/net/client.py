"""`fetch()`: parse, resolve once, validate every address, connect to the validated IP, follow
redirects under the same rules, and record every hop.

Order of checks for each hop, each able to stop the fetch with a reason:
1. URL syntax, scheme, userinfo, port, host name (`urls.parse_url`) - no DNS query yet;
2. one resolution through the injected resolver (IP literals skip it);
3. every address checked (`addresses.check_addresses`) - one bad address rejects the host;
4. TCP connect to a validated address only (TLS verified for the original host name);
5. request sent and response head read through h11 under header caps; redirects re-enter at step 1
   with the joined Location;
6. body under the decoded-byte cap and the total deadline.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Mapping, Sequence
from typing import Any

from abusedesk.net.addresses import IPAddress, Network, check_addresses, parse_networks
from abusedesk.net.errors import FetchBlocked, RefusalReason
from abusedesk.net.http import Exchange, Limits, Outgoing, Response, check_extra_headers
from abusedesk.net.policy import FetchPolicy, FetchResult
from abusedesk.net.resolvers import Resolver, SystemResolver
from abusedesk.net.urls import ParsedUrl, join_location, parse_url
from abusedesk.net.wire import Deadline, open_pinned

logger = logging.getLogger("abusedesk.security.outbound")
logger.addHandler(logging.NullHandler())  # a library logs; the application decides where it goes

_GET = Outgoing()
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def fetch(url: str, *, policy: FetchPolicy | None = None, resolver: Resolver | None = None) -> FetchResult:
    """Fetch ``url`` under ``policy``. Never raises for anything the URL or the server does."""
    return _execute(_Run(url, policy or FetchPolicy(), resolver or SystemResolver()))


def deliver(
    url: str,
    body: bytes,
    *,
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
    policy: FetchPolicy | None = None,
    resolver: Resolver | None = None,
) -> FetchResult:
    """POST ``body`` to a webhook ``url`` under the same rules as `fetch` (one resolution, every address
    checked, connection pinned to the checked IP), so a name re-pointed to loopback after it was saved
    is refused at send time with nothing sent. Redirects are not followed: a 3xx is the final answer.
    ``ok`` means the exchange completed; the caller judges ``status``. Caller headers (e.g. a signature)
    may not override framing, Host or Cookie, and may not contain CR/LF.
    """
    policy = policy or FetchPolicy(max_bytes=64 * 1024, deadline_s=10.0)
    extra = tuple((headers or {}).items())
    run = _Run(url, policy, resolver or SystemResolver(), Outgoing("POST", body, content_type, extra))
    try:
        check_extra_headers(extra)
    except FetchBlocked as exc:
        return _stop(run.result, exc)
    return _execute(run)


def _execute(run: _Run) -> FetchResult:
    started = time.monotonic()
    try:
        run.follow()
    except FetchBlocked as exc:
        _stop(run.result, exc)
    run.result.elapsed_s = round(time.monotonic() - started, 4)
    return run.result


def _stop(result: FetchResult, exc: FetchBlocked) -> FetchResult:
    result.ok, result.reason, result.detail = False, exc.reason, exc.detail
    _log_stop(result, exc.kind)
    return result


def validate_outbound_url(
    url: str, resolver: Resolver | None = None, *, allow_networks: Sequence[str] = ()
) -> str | None:
    """The machine-readable reason ``url`` may not be contacted, or None if it may be right now.

    For webhooks: call it when the URL is saved **and** again right before each delivery (a name can be
    re-pointed to loopback after it was saved). It resolves the name once and applies exactly the
    fetcher's rules; the delivery itself should connect to an address from that same check.
    """
    try:
        parsed = parse_url(url)
        _resolve(parsed, resolver or SystemResolver(), parse_networks(allow_networks))
    except FetchBlocked as exc:
        logger.warning("outbound url refused reason=%s", exc.reason)
        return exc.reason
    return None


def _resolve(parsed: ParsedUrl, resolver: Resolver, allow: Sequence[Network]) -> list[IPAddress]:
    """Exactly one resolver call per hop; its answer is the only set of addresses we may connect to."""
    if parsed.ip is not None:
        return check_addresses([str(parsed.ip)], allow)
    try:
        answers = resolver.resolve(parsed.host_ascii)
    except Exception as exc:  # an injected resolver may raise anything; all of it means "no answer"
        raise FetchBlocked(RefusalReason.DNS_FAILURE, type(exc).__name__) from None
    return check_addresses(list(answers), allow)


class _Run:
    """State of one fetch across its hops; fills `result` as it goes so a stop keeps what was seen."""

    def __init__(self, url: str, policy: FetchPolicy, resolver: Resolver, outgoing: Outgoing = _GET) -> None:
        self.outgoing = outgoing
        self.policy = policy
        self.resolver = resolver
        self.allow = parse_networks(policy.allow_networks)
        self.deadline = Deadline.start(policy.deadline_s, policy.read_timeout_s)
        self.limits = Limits(policy.max_bytes, policy.max_headers, policy.max_header_bytes)
        self.raw_url: object = url
        self.result = FetchResult(url=url if isinstance(url, str) else repr(url))

    def follow(self) -> None:
        parsed = self._first_hop()
        for hop in range(self.policy.max_redirects + 1):
            response = self._request(parsed)
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location or self.outgoing.method != "GET":
                self.result.ok = True
                return
            if hop == self.policy.max_redirects:
                raise FetchBlocked(RefusalReason.TOO_MANY_REDIRECTS, f"more than {self.policy.max_redirects}")
            parsed = self._next_hop(parsed, location)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _first_hop(self) -> ParsedUrl:
        try:
            parsed = parse_url(self.raw_url)
        except FetchBlocked as exc:
            self._record(_stopped({"url": self.result.url}, exc))
            raise
        self.result.host_ascii = parsed.host_ascii
        self.result.host_unicode = parsed.host_unicode
        return parsed

    def _next_hop(self, current: ParsedUrl, location: str) -> ParsedUrl:
        try:
            return join_location(current, location)
        except FetchBlocked as exc:
            self._record(_stopped({"url": location}, exc))
            raise

    def _request(self, parsed: ParsedUrl) -> Response:
        hop = self._record(
            {
                "url": parsed.canonical,
                "host": parsed.host_ascii,
                "status": None,
                "location": None,
                "resolved_ip": None,
            }
        )
        self.result.final_url = parsed.canonical
        try:
            addresses = _resolve(parsed, self.resolver, self.allow)
            sock, ip = self._connect(parsed, addresses)
            hop["resolved_ip"] = self.result.resolved_ip = str(ip)
            try:
                return self._exchange(sock, parsed, hop)
            finally:
                _close(sock)
        except FetchBlocked as exc:
            _stopped(hop, exc)
            raise

    def _connect(self, parsed: ParsedUrl, addresses: list[IPAddress]) -> tuple[socket.socket, IPAddress]:
        """Try the validated addresses in resolver order; only "could not connect" moves to the next."""
        last: FetchBlocked | None = None
        for ip in addresses:
            try:
                sock = open_pinned(
                    ip,
                    parsed.port,
                    deadline=self.deadline,
                    proxy=self.policy.proxy,
                    tls_host=parsed.host_ascii if parsed.scheme == "https" else None,
                    ca_file=self.policy.ca_file,
                    verify_tls=self.policy.verify_tls,
                )
            except FetchBlocked as exc:
                if exc.kind is not RefusalReason.CONNECT_FAILED:
                    raise
                last = exc
                continue
            return sock, ip
        raise last or FetchBlocked(RefusalReason.CONNECT_FAILED, "no address")

    def _exchange(self, sock: socket.socket, parsed: ParsedUrl, hop: dict[str, Any]) -> Response:
        exchange = Exchange(sock, self.deadline, self.limits)
        exchange.send(parsed.target, parsed.host_header, self.policy.user_agent, self.outgoing)
        response = exchange.read_head()
        hop["status"] = response.status
        hop["location"] = response.headers.get("location")
        self._take_head(response)
        if response.status in REDIRECT_STATUSES and hop["location"] and self.outgoing.method == "GET":
            return response
        try:
            exchange.read_body(response)
        finally:
            self.result.body = response.body
            self.result.truncated = response.truncated
            self.result.decoded = response.decoded
        return response

    def _take_head(self, response: Response) -> None:
        self.result.status = response.status
        self.result.headers = response.headers
        self.result.content_type = response.headers.get("content-type", "")
        self.result.body = b""
        self.result.truncated = False

    def _record(self, hop: dict[str, Any]) -> dict[str, Any]:
        self.result.redirect_chain.append(hop)
        return hop


def _stopped(hop: dict[str, Any], exc: FetchBlocked) -> dict[str, Any]:
    """Mark the hop where the fetch stopped: ``blocked`` for a policy refusal, ``error`` otherwise."""
    hop["blocked" if exc.kind.is_refusal else "error"] = exc.reason
    return hop


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        return


def _log_stop(result: FetchResult, kind: RefusalReason) -> None:
    """A refused fetch is a security event (ASVS 16.3.3); a failed one is routine. The URL is not logged:
    reported URLs can carry a victim's name; the host and reason are enough to investigate."""
    if kind.is_refusal:
        logger.warning("outbound fetch refused reason=%s host=%s", result.reason, result.host_ascii)
    else:
        logger.info("outbound fetch failed reason=%s host=%s", result.reason, result.host_ascii)
