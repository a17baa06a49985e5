"""Accepting a report: the one place where a submission becomes durable.

`accept()` stores the raw submission, the reporter, the report, the idempotency key, an audit event and
the job that processes the report in ONE transaction. The caller acknowledges (201, web receipt, SMTP
250) only after it returns, so nothing acknowledged is ever lost, and no job exists without its data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from abusedesk.accounts.models import ApiToken, TokenKind
from abusedesk.audit import trail as audit
from abusedesk.common.crypto import blind_index
from abusedesk.common.hashing import sha256_hex
from abusedesk.common.severity import initial_severity
from abusedesk.intake import signals
from abusedesk.intake.models import (
    WEIGHTY_KINDS,
    IdempotencyKey,
    Lane,
    Report,
    Reporter,
    ReporterKind,
    ReportStatus,
    Submission,
)
from abusedesk.intake.schema import ReportDraft
from abusedesk.jobs import Priority, priority_for_severity

logger = logging.getLogger("abusedesk.intake")


class IdempotencyMismatch(ValueError):
    """The Idempotency-Key was used before with a different body."""


class ReporterSuspended(PermissionError):
    """Intake from this reporter is suspended (DSA Art. 23); the message gives the end date."""


@dataclass(frozen=True)
class Accepted:
    report: Report
    replayed: bool


# Processing priority: what the report claims (a threat or doxxing may be a life at risk), raised for trusted
# flaggers and authorities. S0 itself (a page) outranks all of these.
LANE_BONUS: dict[str, int] = {Lane.AUTHORITY: 20, Lane.TRUSTED: 10, Lane.NORMAL: 0}


def processing_priority(category: str, lane: str, explanation: str = "") -> int:
    """What the report claims decides its place in the queue: S1 claims (threats, doxxing) before S2 and S3, raised
    for trusted flaggers and authorities. No detector runs in the request (a web process never loads a model): the
    filing job analyses the text first thing, and an S0 it finds pages at once and jumps every queue."""
    severity, _reason = initial_severity(category)
    return min(int(Priority.S0) - 10, priority_for_severity(severity) + LANE_BONUS.get(lane, 0))


_KIND_LANES: dict[str, str] = {ReporterKind.TRUSTED_FLAGGER: Lane.TRUSTED, ReporterKind.AUTHORITY: Lane.AUTHORITY}


def lane_for(token: ApiToken | None, vouched_kind: str = "") -> str:
    if token is None:
        return _KIND_LANES.get(vouched_kind, Lane.NORMAL)
    lanes: dict[str, str] = {TokenKind.TRUSTED_FLAGGER: Lane.TRUSTED, TokenKind.AUTHORITY: Lane.AUTHORITY}
    return lanes.get(token.kind, Lane.NORMAL)


def kind_for(token: ApiToken | None, claimed: str, vouched_kind: str = "") -> str:
    """The reporter kind we record: authority and trusted flagger come only from the token, or from `vouched_kind`
    (e-mail: a configured domain whose DKIM signature passed, intake/email/auth.py); a self-declared one stays a
    claim (Report.claimed_kind) and the reporter counts as an individual."""
    if token is not None and token.kind in {TokenKind.TRUSTED_FLAGGER, TokenKind.AUTHORITY}:
        return str(token.kind)
    if token is None and vouched_kind in WEIGHTY_KINDS:
        return vouched_kind
    return ReporterKind.INDIVIDUAL if claimed in WEIGHTY_KINDS else claimed


def accept(draft: ReportDraft, *, channel: str, raw: bytes, content_type: str, client_ip: str,
           token: ApiToken | None = None, idempotency_key: str | None = None, vouched_kind: str = "",
           notices_held: str = "") -> Accepted:
    email_index = blind_index("reporter-email", draft.reporter_email)
    client_index = blind_index("client", client_ip)
    signals.checking_reporter.send(sender=Report, email_index=email_index, token=token)
    scope = f"token:{token.pk}" if token else f"client:{client_index[:32]}"
    body_hash = sha256_hex(raw)
    # Idempotency by the unique constraint: no look-up first; a key used before makes the insert fail, and the
    # report stored under it is the answer (a different body under the same key is refused).
    try:
        report = _store(draft, channel=channel, raw=raw, body_hash=body_hash, content_type=content_type,
                        client_index=client_index, email_index=email_index, token=token, scope=scope,
                        idempotency_key=idempotency_key, vouched_kind=vouched_kind, notices_held=notices_held)
    except IntegrityError:
        # The key was used before (or by a concurrent request that won the race): answer as it did.
        if idempotency_key:
            existing = _replay(scope, idempotency_key, body_hash)
            if existing is not None:
                return Accepted(existing, replayed=True)
        raise
    return Accepted(report, replayed=False)


def _replay(scope: str, key: str, body_hash: str) -> Report | None:
    row = IdempotencyKey.objects.select_related("report").filter(scope=scope, key=key).first()
    if row is None:
        return None
    if row.body_sha256 != body_hash:
        raise IdempotencyMismatch("this Idempotency-Key was already used with a different request body")
    return row.report


def _store(draft: ReportDraft, *, channel: str, raw: bytes, body_hash: str, content_type: str,
           client_index: str, email_index: str, token: ApiToken | None, scope: str,
           idempotency_key: str | None, vouched_kind: str, notices_held: str) -> Report:
    lane = lane_for(token, vouched_kind)
    with transaction.atomic():
        reporter = _reporter_for(draft, email_index, token, kind_for(token, draft.reporter_kind, vouched_kind))
        submission = Submission.objects.create(
            channel=channel, content_type=content_type[:200], raw=raw, raw_sha256=body_hash, size=len(raw),
            client_index=client_index[:64], token=token)
        report = Report.objects.create(
            submission=submission, reporter=reporter, channel=channel, lane=lane,
            claimed_kind=draft.reporter_kind, category=draft.category,
            urls=[u.as_dict() for u in draft.urls], explanation=draft.explanation, language=draft.language,
            good_faith=draft.good_faith, share_host=draft.share_host, share_site_owner=draft.share_site_owner,
            share_law_enforcement=draft.share_law_enforcement, status=ReportStatus.RECEIVED,
            order=draft.order, order_problems=order_problems(draft, lane), reporter_notices_held=notices_held[:20])
        if idempotency_key:
            IdempotencyKey.objects.create(scope=scope, key=idempotency_key, body_sha256=body_hash, report=report)
        audit.append(actor=f"{channel}:{'token:' + str(token.pk) if token else 'anonymous'}",
                     verb="report.received", object_type="report", object_id=str(report.pk),
                     payload={"channel": channel, "category": draft.category, "lane": lane,
                              "submission_sha256": body_hash, "hosts": sorted({u.host for u in draft.urls}),
                              "claimed_kind": draft.reporter_kind, "kind": reporter.kind})
        if report.order_problems:
            audit.append(actor="system", verb="order.incomplete", object_type="report", object_id=str(report.pk),
                         payload={"problems": report.order_problems})
        signals.report_accepted.send(sender=Report, report=report,
                                     priority=processing_priority(draft.category, lane, draft.explanation))
    logger.info("accepted report %s via %s (lane %s)", report.pk, channel, lane)
    return report


def _reporter_for(draft: ReportDraft, index: str, token: ApiToken | None, kind: str) -> Reporter:
    # Only the columns intake needs: loading the encrypted name, e-mail and phone would decrypt all three.
    reporter = Reporter.objects.filter(email_index=index, kind=kind).only("id", "kind").first()
    if reporter is not None:
        return reporter
    return Reporter.objects.create(kind=kind, name=draft.reporter_name or None, email=draft.reporter_email,
                                   phone=draft.reporter_phone or None, email_index=index, token=token)


ORDER_ELEMENTS = {
    "legal_basis": gettext_noop("the legal basis (the law the order relies on)"),
    "issuing_authority": gettext_noop("the issuing authority"),
    "country": gettext_noop("the issuing Member State or country"),
    "statement_of_reasons": gettext_noop("a statement of reasons explaining why the content is illegal"),
    "redress": gettext_noop("information about redress available to the provider and the content's owner"),
}
_MISSING = "missing "
_BAD_COUNTRY = gettext_noop("country must be an ISO 3166 two-letter code")
_VAGUE = "not an exact URL (a whole site): "


def order_problems(draft: ReportDraft, lane: str) -> list[str]:
    """What an authority order lacks (DSA Art. 9(2)); empty for everything outside the authority lane (a token's):
    a self-declared authority is an ordinary notice and its "order" blocks nothing."""
    if lane != Lane.AUTHORITY:
        return []
    order = draft.order or {}
    problems = [_MISSING + label for key, label in ORDER_ELEMENTS.items() if not str(order.get(key, "")).strip()]
    if order.get("country") and not (len(order["country"]) == 2 and order["country"].isalpha()):
        problems.append(_BAD_COUNTRY)
    vague = [u.url for u in draft.urls if u.url.rstrip("/").count("/") < 3]
    if vague:
        problems.append(_VAGUE + ", ".join(vague))
    return problems


def order_problem_words(problem: str) -> str:
    """An order problem as stored (English: the report, the API and the audit trail keep it so) in the active
    language, for the console; a problem of another shape is returned as it is."""
    if problem.startswith(_MISSING) and problem[len(_MISSING):] in ORDER_ELEMENTS.values():
        return _("missing %(element)s") % {"element": _(problem[len(_MISSING):])}
    if problem == _BAD_COUNTRY:
        return _(_BAD_COUNTRY)
    if problem.startswith(_VAGUE):
        return _("not an exact URL (a whole site): %(urls)s") % {"urls": problem[len(_VAGUE):]}
    return problem
