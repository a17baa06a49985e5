"""Capturing the reported pages: the SSRF-safe fetcher, text extraction, hashes and chain of custody.

A capture that the fetch policy blocks records its machine-readable reason, writes a security audit event
and never fails the report: the report is processed either way. The rows of other reports that reuse a capture
(evidence/reuse.py) are settled in the transaction that settles it.
"""

from __future__ import annotations

import json
import logging
import socket
from typing import Any

from django.utils import timezone

from abusedesk import __version__
from abusedesk.audit import trail as audit
from abusedesk.common.hashing import sha256_hex
from abusedesk.evidence.models import CaptureStatus, Evidence
from abusedesk.evidence.reuse import settle_covered
from abusedesk.jobs.core import is_last_attempt
from abusedesk.net import TRANSIENT, fetch
from abusedesk.net.outbound import outbound_policy, outbound_resolver

logger = logging.getLogger("abusedesk.evidence")


def capture(evidence: Evidence) -> Evidence:
    """Fetch one URL and record the result on its Evidence row (idempotent: settled rows are kept, and a row that
    reuses another capture is never fetched)."""
    from abusedesk.evidence.extract import extract_text

    if evidence.settled or evidence.same_as_id or evidence.status in {CaptureStatus.CAPTURED, CaptureStatus.BLOCKED}:
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
        covers = settle_covered(evidence)
        verb = {CaptureStatus.CAPTURED: "evidence.captured", CaptureStatus.BLOCKED: "evidence.blocked"}.get(
            status, "evidence.failed")
        audit.append(actor="system", verb=verb, object_type="evidence", object_id=str(evidence.pk),
                     payload={"reason": evidence.reason, "status": evidence.http_status,
                              "body_sha256": evidence.body_sha256, "text_sha256": evidence.text_sha256,
                              "resolved_ip": evidence.resolved_ip, "truncated": evidence.truncated,
                              **({"covers": covers} if covers else {})})
    if status != CaptureStatus.CAPTURED:
        logger.warning("evidence %s not captured: %s", evidence.pk, evidence.reason)
    return evidence


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
