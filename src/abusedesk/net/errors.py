"""Why a fetch stopped (`RefusalReason`) and the one exception the fetcher raises internally (`FetchBlocked`).

The reason's text is what `FetchResult.reason`, `Evidence.reason`, audit events and logs carry, so a value
never changes once shipped. A refused address adds the name of its range after a colon
(``blocked_address:loopback``; the names are in `addresses.DENY_TABLE`), built by `blocked_address`.
"""

from __future__ import annotations

from enum import StrEnum


class RefusalReason(StrEnum):
    """Every reason a fetch or a delivery can stop with (a ``str``: it compares equal to its text)."""

    # Refused by policy: the URL, the name, an address or a header is not allowed.
    INVALID_URL = "invalid_url"
    URL_TOO_LONG = "url_too_long"
    CONTROL_CHAR_IN_URL = "control_char_in_url"
    BACKSLASH_IN_URL = "backslash_in_url"
    SCHEME_NOT_ALLOWED = "scheme_not_allowed"
    USERINFO_IN_URL = "userinfo_in_url"
    INVALID_PORT = "invalid_port"
    PORT_NOT_ALLOWED = "port_not_allowed"
    INVALID_HOST = "invalid_host"
    SINGLE_LABEL_HOST = "single_label_host"
    LOCAL_NAME = "blocked_host:local_name"
    BLOCKED_ADDRESS = "blocked_address"  # never alone: always "blocked_address:<range>", see blocked_address()
    INVALID_HEADER = "invalid_header"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    # The site could not be reached, or answered with something we will not read.
    DNS_FAILURE = "dns_failure"
    CONNECT_FAILED = "connect_failed"
    CONNECTION_ERROR = "connection_error"
    TLS_ERROR = "tls_error"
    PROXY_FAILED = "proxy_failed"
    TIMEOUT_READ = "timeout_read"
    TIMEOUT_DEADLINE = "timeout_deadline"
    BAD_RESPONSE = "bad_response"
    TOO_MANY_HEADERS = "too_many_headers"
    HEADER_TOO_LARGE = "header_too_large"
    BAD_ENCODING = "bad_encoding"

    @property
    def is_refusal(self) -> bool:
        """A policy refusal (logged as a security event) rather than a network or server failure."""
        return self in _REFUSALS


_REFUSALS = frozenset(
    {
        RefusalReason.INVALID_URL,
        RefusalReason.URL_TOO_LONG,
        RefusalReason.CONTROL_CHAR_IN_URL,
        RefusalReason.BACKSLASH_IN_URL,
        RefusalReason.SCHEME_NOT_ALLOWED,
        RefusalReason.USERINFO_IN_URL,
        RefusalReason.INVALID_PORT,
        RefusalReason.PORT_NOT_ALLOWED,
        RefusalReason.INVALID_HOST,
        RefusalReason.SINGLE_LABEL_HOST,
        RefusalReason.LOCAL_NAME,
        RefusalReason.BLOCKED_ADDRESS,
        RefusalReason.INVALID_HEADER,
        RefusalReason.TOO_MANY_REDIRECTS,
    }
)

# The site could not be reached: worth trying again later. Every other reason is final (a refusal, or an
# answer that broke a cap or could not be decoded and would break it again).
TRANSIENT = frozenset(
    {
        RefusalReason.DNS_FAILURE,
        RefusalReason.CONNECT_FAILED,
        RefusalReason.CONNECTION_ERROR,
        RefusalReason.TIMEOUT_DEADLINE,
        RefusalReason.TIMEOUT_READ,
        RefusalReason.TLS_ERROR,
        RefusalReason.PROXY_FAILED,
        RefusalReason.BAD_RESPONSE,
    }
)


def blocked_address(range_name: str) -> str:
    """The reason text for an address in a forbidden range, e.g. ``blocked_address:metadata``."""
    return f"{RefusalReason.BLOCKED_ADDRESS}:{range_name}"


class FetchBlocked(Exception):
    """A fetch stopped for a `RefusalReason` (plus the range name when an address was refused).

    Raised anywhere inside the fetcher and caught once in `fetch()`, so every stop path ends in the same
    place: a `FetchResult` with ``ok=False`` and ``reason``'s text. ``detail`` is for humans and logs; it
    never carries response bodies.
    """

    def __init__(self, kind: RefusalReason, detail: str = "", *, range_name: str = "") -> None:
        self.kind = kind
        self.reason: str = blocked_address(range_name) if range_name else str(kind)
        self.detail = detail
        super().__init__(f"{self.reason}: {detail}" if detail else self.reason)
