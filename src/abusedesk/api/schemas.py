"""Response schemas (and the request schema, reused from intake) for the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema


class ReportCreated(Schema):
    id: str
    status: str
    lane: str
    received_at: datetime
    status_url: str


class Problem(Schema):
    field: str
    problem: str


class ErrorOut(Schema):
    error: str
    detail: str  # always present: the problem in words
    errors: list[Problem] | None = None  # for invalid requests: each problem with the field it concerns


class UrlOut(Schema):
    url: str
    host: str
    host_unicode: str
    ip: str | None


class ReportOut(Schema):
    id: str
    status: str
    channel: str
    lane: str
    category: str
    urls: list[UrlOut]
    language: str
    good_faith: bool
    share_identity: dict[str, str]
    reporter_kind: str
    case: int | None
    received_at: datetime
    processed_at: datetime | None


class ReportPage(Schema):
    items: list[ReportOut]
    next_cursor: str | None


class CaseOut(Schema):
    id: int
    ref: str
    title: str
    severity: str
    severity_reason: str
    status: str
    lane: str
    customer: str | None
    property: str | None
    reports: int
    opened_at: datetime
    updated_at: datetime


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


def as_report_out(report: Any) -> dict[str, Any]:
    return {
        "id": str(report.pk), "status": report.status, "channel": report.channel, "lane": report.lane,
        "category": report.category, "urls": report.urls, "language": report.language,
        "good_faith": report.good_faith, "reporter_kind": report.reporter.kind, "case": report.case_id,
        "share_identity": {"host": report.share_host, "site_owner": report.share_site_owner,
                           "law_enforcement": report.share_law_enforcement},
        "received_at": report.received_at, "processed_at": report.processed_at,
    }


def request_components() -> dict[str, Any]:
    """OpenAPI components for the report body: ReportIn and the models it nests, referenced by name."""
    from abusedesk.intake.schema import ReportIn

    schema = ReportIn.model_json_schema(ref_template="#/components/schemas/{model}")
    return {"ReportIn": schema, **schema.pop("$defs", {})}
