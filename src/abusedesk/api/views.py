"""API routes. Intake reads the raw body itself: the bytes are stored exactly as received."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import Count
from django.http import HttpRequest, HttpResponse

from abusedesk.api.auth import require_staff, token_from
from abusedesk.api.schemas import (
    CaseOut,
    CasePage,
    ErrorOut,
    ReportCreated,
    ReportOut,
    ReportPage,
    as_report_out,
)
from abusedesk.api.urls import api, problems_in_words
from abusedesk.cases.models import Case
from abusedesk.common.net import client_ip
from abusedesk.intake.models import Channel, Report
from abusedesk.intake.ratelimit import retry_after
from abusedesk.intake.schema import IntakeError, parse_report
from abusedesk.intake.service import IdempotencyMismatch, ReporterSuspended, accept
from abusedesk.intake.status import status_url

MAX_IDEMPOTENCY_KEY = 200
MAX_ID = 2**63 - 1  # ids are 64-bit in the database; a larger number is no id (and must not overflow a query)


def _error(request: HttpRequest, status: int, error: str, detail: str | None = None,
           errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None) -> HttpResponse:
    body: dict[str, Any] = {"error": error, "detail": detail or problems_in_words(errors or [])}
    if errors:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


_REPORT_BODY = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReportIn"}}},
                "required": True}


@api.post("/reports", response={201: ReportCreated, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut,
                                415: ErrorOut, 422: ErrorOut, 429: ErrorOut},
          summary="Submit a report", openapi_extra={"requestBody": _REPORT_BODY})
def submit_report(request: HttpRequest) -> Any:
    """No login needed. Trusted flaggers and authorities send their token (`Authorization: Bearer …`) for
    priority. `Idempotency-Key` makes retries safe: same key and body → the same report."""
    token = token_from(request)
    wait = retry_after(request, token)
    if wait is not None:
        return _error(request, 429, "rate_limited", f"too many reports; retry after {wait} seconds",
                      headers={"Retry-After": str(wait)})
    if request.content_type != "application/json":
        return _error(request, 415, "unsupported_media_type", "send the report as application/json")
    try:
        raw = request.body
    except RequestDataTooBig:
        raw = None
    if raw is None or len(raw) > settings.INTAKE_MAX_BODY_BYTES:
        return _error(request, 413, "too_large", f"the body is over the limit of "
                                                 f"{settings.INTAKE_MAX_BODY_BYTES} bytes")
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key and (len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable()):
        return _error(request, 400, "invalid_request", errors=[{
            "field": "Idempotency-Key", "problem": f"must be printable and at most {MAX_IDEMPOTENCY_KEY} chars"}])
    try:
        draft = parse_report(raw)
        accepted = accept(draft, channel=Channel.API, raw=raw, content_type=request.content_type,
                          client_ip=client_ip(request), token=token, idempotency_key=key)
    except IntakeError as exc:
        return _error(request, 400, "invalid_request", errors=[p.as_dict() for p in exc.problems])
    except IdempotencyMismatch as exc:
        return _error(request, 422, "idempotency_key_reused", str(exc))
    except ReporterSuspended as exc:
        return _error(request, 403, "reporter_suspended", str(exc))
    report = accepted.report
    response = api.create_response(request, {
        "id": str(report.pk), "status": report.status, "lane": report.lane, "received_at": report.received_at,
        "status_url": status_url(report)}, status=201)
    if accepted.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _cursor(value: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The position a `next_cursor` encodes; None for anything we did not hand out (the caller says 400)."""
    if not value:
        return None
    try:
        stamp, _, ident = base64.urlsafe_b64decode(value.encode()).decode().partition("|")
        when, report_id = datetime.fromisoformat(stamp), uuid.UUID(ident)
    except (ValueError, binascii.Error, UnicodeError):
        return None
    return (when, report_id) if when.tzinfo is not None else None


def _next_cursor(stamp: datetime, ident: Any) -> str:
    return base64.urlsafe_b64encode(f"{stamp.isoformat()}|{ident}".encode()).decode()


@api.get("/reports", response={200: ReportPage, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
         summary="List reports (staff)")
def list_reports(request: HttpRequest, status: str | None = None, category: str | None = None,
                 lane: str | None = None, case: int | None = None, limit: int = 50,
                 cursor: str | None = None) -> Any:
    require_staff(request)
    if not 1 <= limit <= 200:
        return _error(request, 400, "invalid_request", errors=[{"field": "limit", "problem": "must be 1 to 200"}])
    query = Report.objects.select_related("reporter").order_by("-received_at", "-id")
    if case is not None and not 0 < case <= MAX_ID:
        return _error(request, 400, "invalid_request", errors=[{"field": "case", "problem": "is not a case id"}])
    for field, value in (("status", status), ("category", category), ("lane", lane), ("case_id", case)):
        if value is not None:
            query = query.filter(**{field: value})
    position = _cursor(cursor)
    if cursor and position is None:
        return _error(request, 400, "invalid_request", errors=[{"field": "cursor", "problem": "is not valid"}])
    if position:
        query = query.filter(received_at__lte=position[0]).exclude(received_at=position[0], id__gte=position[1])
    rows = list(query[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [as_report_out(r) for r in rows],
            "next_cursor": _next_cursor(rows[-1].received_at, rows[-1].pk) if more else None}


@api.get("/reports/{report_id}", response={200: ReportOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut,
                                          404: ErrorOut},
         summary="One report (staff)")
def get_report(request: HttpRequest, report_id: str) -> Any:
    require_staff(request)
    try:
        report = Report.objects.select_related("reporter").filter(pk=uuid.UUID(report_id)).first()
    except ValueError:  # a malformed id is simply not found
        report = None
    if report is None:
        return _error(request, 404, "not_found", "no such report")
    return as_report_out(report)


def _internal_addresses(addresses: list[str]) -> bool:
    """Whether any address is private, loopback, link-local, metadata or otherwise not public (the fetch policy's
    list); LOOKUP_ALLOW_NETWORKS (tests and drills) counts as public."""
    import ipaddress

    from abusedesk.net import classify

    allow = [ipaddress.ip_network(n, strict=False) for n in settings.LOOKUP_ALLOW_NETWORKS]
    for text in addresses:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return True
        if not any(address.version == n.version and address in n for n in allow) and classify(address):
            return True
    return False


def _cases() -> Any:
    return Case.objects.select_related("customer", "property").annotate(report_count=Count("reports"))


def _case_out(case: Any) -> dict[str, Any]:
    return {"id": case.pk, "ref": case.ref, "title": case.title, "severity": case.severity,
            "severity_reason": case.severity_reason, "status": case.status, "lane": case.lane,
            "customer": case.customer.name if case.customer else None,
            "property": case.property.value if case.property else None,
            "reports": case.report_count, "opened_at": case.opened_at, "updated_at": case.updated_at}


@api.get("/cases", response={200: CasePage, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
         summary="Open cases by urgency (staff)")
def list_cases(request: HttpRequest, status: str | None = None, severity: str | None = None,
               limit: int = 50) -> Any:
    require_staff(request)
    query = _cases().order_by("severity_rank", "lane_rank", "opened_at")
    query = query.filter(status=status) if status else query.exclude(status="closed")
    if severity:
        query = query.filter(severity=severity)
    return {"items": [_case_out(c) for c in query[: max(1, min(limit, 200))]], "next_cursor": None}


@api.get("/cases/{case_id}", response={200: CaseOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
         summary="One case (staff)")
def get_case(request: HttpRequest, case_id: int) -> Any:
    require_staff(request)
    case = _cases().filter(pk=case_id).first() if 0 < case_id <= MAX_ID else None
    if case is None:
        return _error(request, 404, "not_found", "no such case")
    return _case_out(case)


@api.get("/lookup", response={200: dict, 400: ErrorOut, 429: ErrorOut}, summary="Who serves a URL")
def lookup(request: HttpRequest, url: str) -> Any:
    """Anyone may ask who serves a URL (CDN, origin host where visible, DNS provider, registrar) and where to
    report it. For sites we serve, the answer says so and links our report form; it never reveals our
    customers' origins (those go to the host only through a forward)."""
    from abusedesk.attribution.lookup import WhoisInputError, whois
    from abusedesk.attribution.resolve import match_host

    wait = retry_after(request, None, group="lookup", rate=settings.LOOKUP_RATE)
    if wait is not None:
        return _error(request, 429, "rate_limited", f"too many look-ups; retry after {wait} seconds",
                      headers={"Retry-After": str(wait)})
    try:
        answer = whois(url, dns_server=settings.LOOKUP_DNS_SERVER or None,
                       rdap_servers=settings.LOOKUP_RDAP_SERVERS, allow_networks=tuple(settings.LOOKUP_ALLOW_NETWORKS))
    except WhoisInputError as exc:
        return _error(request, 400, "invalid_request", errors=[{"field": "url", "problem": str(exc)}])
    if _internal_addresses(answer.addresses):
        # Our resolver sees our own network: an anonymous caller must not learn what internal names resolve to.
        return _error(request, 400, "invalid_request", errors=[{
            "field": "url", "problem": "cannot look up this URL: its host is not on the public internet"}])
    data = answer.to_dict()
    ours = match_host(answer.host)
    data["served_by_us"] = ours is not None
    if ours is not None:
        data["report_to_us"] = f"{settings.PUBLIC_URL}/en/report/"
    return data
