"""The drill file (docs/scenarios.md), parsed and validated; errors name the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from abusedesk.watch.timeparse import parse_offset


class DrillError(ValueError):
    """The drill file is not valid; the message names the field."""


@dataclass
class Drill:
    name: str
    start: datetime
    duration_s: float
    watch_interval_s: float
    customers: list[dict[str, Any]]
    sites: list[dict[str, Any]]
    reports: list[dict[str, Any]] = field(default_factory=list)
    staff: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    oncall: list[str] = field(default_factory=list)


def _need(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise DrillError(f"{where}{key}: is required")
    if not isinstance(data[key], kind):
        raise DrillError(f"{where}{key}: must be a {kind.__name__}")
    return data[key]


def _offset(value: Any, where: str) -> float:
    try:
        return parse_offset(value)
    except ValueError as exc:
        raise DrillError(f"{where}: {exc}") from None


def parse(data: Any) -> Drill:
    if not isinstance(data, dict):
        raise DrillError("(file): must be a JSON object")
    try:
        start = datetime.fromisoformat(str(_need(data, "start", str, "")).replace("Z", "+00:00"))
    except ValueError:
        raise DrillError("start: must be an ISO 8601 UTC time such as 2022-08-20T09:00:00Z") from None
    drill = Drill(
        name=_need(data, "name", str, ""), start=start,
        duration_s=_offset(_need(data, "duration", str, ""), "duration"),
        watch_interval_s=_offset(data.get("watch_interval", "30m"), "watch_interval"),
        customers=_need(data, "customers", list, ""), sites=_need(data, "sites", list, ""),
        reports=data.get("reports", []), staff=data.get("staff", []), actions=data.get("actions", []),
        oncall=data.get("oncall", []))
    for i, site in enumerate(drill.sites):
        for j, thread in enumerate(_need(site, "threads", list, f"sites.{i}.")):
            for k, post in enumerate(_need(thread, "posts", list, f"sites.{i}.threads.{j}.")):
                _offset(post.get("at"), f"sites.{i}.threads.{j}.posts.{k}.at")
    for i, report in enumerate(drill.reports):
        _offset(report.get("at"), f"reports.{i}.at")
        if report.get("channel", "api") not in {"api", "web", "email"}:
            raise DrillError(f"reports.{i}.channel: must be api, web or email")
    for i, action in enumerate(drill.actions):
        _offset(action.get("at"), f"actions.{i}.at")
        if not any(k in action for k in ("decide", "approve", "appeal", "review_appeal", "acknowledge")):
            raise DrillError(f"actions.{i}: needs one of decide, approve, appeal, review_appeal, acknowledge")
    return drill
