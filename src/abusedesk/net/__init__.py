"""Every outbound HTTP request the desk makes: the SSRF-proof fetcher and the signed webhooks built on it.

    from abusedesk.net import fetch, FetchPolicy, StaticResolver
    result = fetch("https://forum.example/thread/1", policy=FetchPolicy(), resolver=None)

Evidence capture, the watch re-fetches, attribution look-ups (RDAP, security.txt, whois pages) and every
webhook (`net.webhooks`) go through here. This package imports nothing from a pipeline stage; the fetcher
itself (everything re-exported below) is plain Python with no Django and no database. `net.outbound` and
`net.webhooks` read the Django settings.

The security model is in docs/security-fetching.md; the rules are in `urls` (what a URL may look like),
`addresses` (where we may connect), `client` (resolve once, pin, re-check every redirect), `wire`
(sockets, TLS, deadlines), `http` (HTTP/1.1 framing through h11 under header caps) and `decoding`
(the decoded-byte cap). Every reason a fetch stops with is a `RefusalReason`.
"""

from abusedesk.net.addresses import classify
from abusedesk.net.client import deliver, fetch, validate_outbound_url
from abusedesk.net.errors import TRANSIENT, FetchBlocked, RefusalReason, blocked_address
from abusedesk.net.policy import FetchPolicy, FetchResult
from abusedesk.net.resolvers import DnsPythonResolver, Resolver, StaticResolver, SystemResolver
from abusedesk.net.urls import ParsedUrl, parse_url

__all__ = [
    "TRANSIENT",
    "DnsPythonResolver",
    "FetchBlocked",
    "FetchPolicy",
    "FetchResult",
    "ParsedUrl",
    "RefusalReason",
    "Resolver",
    "StaticResolver",
    "SystemResolver",
    "blocked_address",
    "classify",
    "deliver",
    "fetch",
    "parse_url",
    "validate_outbound_url",
]
