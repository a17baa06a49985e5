"""SSRF-proof evidence fetcher (pure Python: no Django, no database).

    from abusedesk.evidence.fetch import fetch, FetchPolicy, StaticResolver
    result = fetch("https://forum.example/thread/1", policy=FetchPolicy(), resolver=None)

The security model is in docs/security-fetching.md; the rules are in `urls` (what a URL may look like),
`addresses` (where we may connect), `client` (resolve once, pin, re-check every redirect) and `http`
(caps on headers, body and time).
"""

from abusedesk.evidence.fetch.addresses import classify
from abusedesk.evidence.fetch.client import deliver, fetch, validate_outbound_url
from abusedesk.evidence.fetch.errors import FetchBlocked
from abusedesk.evidence.fetch.policy import FetchPolicy, FetchResult
from abusedesk.evidence.fetch.resolvers import DnsPythonResolver, Resolver, StaticResolver, SystemResolver
from abusedesk.evidence.fetch.urls import ParsedUrl, parse_url

__all__ = [
    "DnsPythonResolver",
    "FetchBlocked",
    "FetchPolicy",
    "FetchResult",
    "ParsedUrl",
    "Resolver",
    "StaticResolver",
    "SystemResolver",
    "classify",
    "deliver",
    "fetch",
    "parse_url",
    "validate_outbound_url",
]
