"""What a fetch may do (`FetchPolicy`) and what it did (`FetchResult`): plain values, no behaviour."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_USER_AGENT = "abusedesk-evidence/0.1"


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one `fetch()`; the defaults are the production settings.

    ``allow_networks`` punches a hole in the address policy (CIDR strings). It is empty by default and
    exists for tests and the offline scenario runner, which fetch from servers they started on loopback.
    ``proxy`` is an explicit ``http://host:port`` CONNECT proxy for egress; the target address is still
    resolved and validated here and the tunnel is opened to the validated IP. ``ca_file`` replaces the
    system trust store (tests use it for a local TLS server). ``verify_tls=False`` records pages with
    broken certificates (common on abusive sites) and keeps the address pinning; verification is on
    by default.
    """

    max_bytes: int = 5 * 1024 * 1024
    deadline_s: float = 30.0
    read_timeout_s: float = 10.0
    max_redirects: int = 5
    max_headers: int = 100
    allow_networks: tuple[str, ...] = ()
    proxy: str | None = None
    user_agent: str = DEFAULT_USER_AGENT
    max_header_bytes: int = 64 * 1024
    ca_file: str | None = None
    verify_tls: bool = True


@dataclass
class FetchResult:
    """Everything recorded about one fetch, whether it succeeded or was refused.

    ``reason`` is machine-readable (see docs/security-fetching.md for the list); ``detail`` is a short
    human explanation. ``redirect_chain`` has one entry per hop attempted, including the final one and a
    refused one (which carries ``blocked``). ``host_ascii``/``host_unicode`` are the requested URL's host
    as A-label and U-label (IDN homographs stay visible). ``truncated`` means the body hit ``max_bytes``
    or the fetch stopped mid-body.
    """

    url: str
    ok: bool = False
    reason: str | None = None
    detail: str = ""
    final_url: str | None = None
    status: int | None = None
    resolved_ip: str | None = None
    redirect_chain: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False
    decoded: bool = True
    content_type: str = ""
    elapsed_s: float = 0.0
    host_unicode: str | None = None
    host_ascii: str | None = None

    def to_dict(self, *, include_body: bool = False) -> dict[str, Any]:
        """A JSON-ready dict; the body is left out unless asked for (it may be large or hostile)."""
        data = asdict(self)
        body = data.pop("body")
        if include_body:
            data["body"] = body.decode("latin-1")
        data["body_length"] = len(body)
        return data
