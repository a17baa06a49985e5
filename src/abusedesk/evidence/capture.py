"""Capturing the reported pages: the SSRF-safe fetcher, text extraction, hashes and chain of custody.

A capture that the fetch policy blocks records its machine-readable reason, writes a security audit event
and never fails the report: the report is processed either way.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.utils import timezone

from abusedesk import __version__
from abusedesk.cases import audit
from abusedesk.common.hashing import sha256_hex
from abusedesk.evidence.models import CaptureStatus, Evidence
from abusedesk.jobs.core import is_last_attempt

logger = logging.getLogger("abusedesk.evidence")
_OVERRIDE: dict[str, Any] = {}


@contextmanager
def override(*, resolver: Any = None, allow_networks: tuple[str, ...] = ()) -> Iterator[None]:
    """For the offline scenario runner and tests: a resolver and loopback networks for local servers."""
    previous = dict(_OVERRIDE)
    _OVERRIDE.update(resolver=resolver, allow_networks=allow_networks)
    try:
        yield
    finally:
        _OVERRIDE.clear()
        _OVERRIDE.update(previous)


# Reasons that say the site could not be reached (worth retrying later); every other reason is the
# fetch policy refusing the URL or an address (blocked for good).
TRANSIENT = frozenset({"dns_failure", "connect_failed", "connection_error", "timeout_deadline", "timeout_read",
                       "tls_error", "proxy_failed", "bad_response"})


def outbound_resolver() -> Any:
    from abusedesk.evidence.fetch import DnsPythonResolver, StaticResolver, SystemResolver

    if _OVERRIDE.get("resolver") is not None:
        return _OVERRIDE["resolver"]
    if settings.EVIDENCE_STATIC_HOSTS is not None:
        return StaticResolver(settings.EVIDENCE_STATIC_HOSTS)
    if settings.EVIDENCE_DNS_SERVER:
        host, _, port = settings.EVIDENCE_DNS_SERVER.rpartition(":")
        return DnsPythonResolver(nameservers=[host or port], port=int(port) if host else 53)
    return SystemResolver()


def outbound_policy() -> Any:
    from abusedesk.evidence.fetch import FetchPolicy

    allow = tuple(_OVERRIDE.get("allow_networks") or ()) + tuple(settings.EVIDENCE_ALLOW_NETWORKS)
    for network in allow:
        ipaddress.ip_network(network, strict=False)  # fail loudly on a typo rather than fetch anything
    return FetchPolicy(max_bytes=settings.EVIDENCE_MAX_BYTES, deadline_s=settings.EVIDENCE_DEADLINE_SECONDS,
                       allow_networks=allow, proxy=settings.EVIDENCE_PROXY or None,
                       user_agent=f"abusedesk-evidence/{__version__}")


def capture(evidence: Evidence) -> Evidence:
    """Fetch one URL and record the result on its Evidence row (idempotent: captured rows are kept)."""
    from abusedesk.evidence.extract import extract_text
    from abusedesk.evidence.fetch import fetch

    if evidence.status in {CaptureStatus.CAPTURED, CaptureStatus.BLOCKED}:
        return evidence
    result = fetch(evidence.url, policy=outbound_policy(), resolver=outbound_resolver())
    text = extract_text(result.body, result.content_type, result.final_url or evidence.url) if result.ok else ""
    status = CaptureStatus.CAPTURED if result.ok else (
        CaptureStatus.FAILED if result.reason in TRANSIENT else CaptureStatus.BLOCKED)
    with audit.atomic():
        evidence.status = status
        evidence.reason = (result.reason or "")[:200]
        evidence.final_url = result.final_url or ""
        evidence.http_status = result.status
        evidence.resolved_ip = result.resolved_ip
        evidence.redirect_chain = _jsonable(result.redirect_chain)
        evidence.headers = _jsonable(dict(result.headers))
        evidence.truncated = bool(result.truncated)
        evidence.body = result.body if result.ok else None
        evidence.body_sha256 = sha256_hex(result.body) if result.ok else ""
        evidence.text = text if result.ok else None
        evidence.text_sha256 = sha256_hex(text.encode()) if result.ok else ""
        evidence.fetched_by = f"abusedesk-evidence/{__version__} worker"
        evidence.fetched_from = socket.gethostname()[:200]
        evidence.fetched_at = timezone.now()
        evidence.settled = status != CaptureStatus.FAILED or is_last_attempt()
        evidence.save()
        verb = {CaptureStatus.CAPTURED: "evidence.captured", CaptureStatus.BLOCKED: "evidence.blocked"}.get(
            status, "evidence.failed")
        audit.append(actor="system", verb=verb, object_type="evidence", object_id=str(evidence.pk),
                     payload={"reason": evidence.reason, "status": evidence.http_status,
                              "body_sha256": evidence.body_sha256, "text_sha256": evidence.text_sha256,
                              "resolved_ip": evidence.resolved_ip, "truncated": evidence.truncated})
    if status != CaptureStatus.CAPTURED:
        logger.warning("evidence %s not captured: %s", evidence.pk, evidence.reason)
    return evidence


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
