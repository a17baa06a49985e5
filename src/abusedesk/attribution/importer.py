"""`abusedesk customers import FILE`: customers, properties and services from CSV or JSON.

JSON: a list (or {"customers": [...]}) of
  {"id", "name", "email", "language", "protected",
   "properties": [{"domain"|"hostname"|"ip_range": VALUE, "services": ["proxy", ...],
                   "hosts_content": bool (optional), "origin": {"ip", "provider", "abuse_email"}}]}
CSV: one row per property, columns
  customer_id, customer_name, customer_email, language, protected, property_kind, property_value,
  services (space or | separated), hosts_content, origin_ip, origin_provider, origin_abuse_email.
The import is all-or-nothing and idempotent (re-importing updates in place). Errors name the record and field.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from abusedesk.attribution.models import HOSTING_KINDS, Customer, Property, PropertyKind, Service, ServiceKind
from abusedesk.cases import audit
from abusedesk.normalise.urls import UrlError, _normalise_host


class ImportError_(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportSummary:
    customers: int = 0
    properties: int = 0
    services: int = 0


def load_file(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return _records_from_csv(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportError_([f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno})"]) from None
    if isinstance(data, dict):
        data = data.get("customers")
    if not isinstance(data, list):
        raise ImportError_([f'{path.name}: expected a list of customers or {{"customers": [...]}}'])
    return data


def _records_from_csv(text: str) -> list[dict[str, Any]]:
    customers: dict[str, dict[str, Any]] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        cid = (row.get("customer_id") or "").strip()
        if not cid:
            raise ImportError_([f"line {line}: customer_id is required"])
        record = customers.setdefault(
            cid,
            {
                "id": cid,
                "name": row.get("customer_name", ""),
                "email": row.get("customer_email", ""),
                "language": row.get("language") or "en",
                "protected": (row.get("protected") or "").strip().lower() in {"1", "true", "yes"},
                "properties": [],
                "_line": line,
            },
        )
        kind = (row.get("property_kind") or "").strip()
        prop: dict[str, Any] = {
            kind: (row.get("property_value") or "").strip(),
            "_line": line,
            "services": (row.get("services") or "").replace("|", " ").split(),
        }
        if (row.get("hosts_content") or "").strip():
            prop["hosts_content"] = row["hosts_content"].strip().lower() in {"1", "true", "yes"}
        if (row.get("origin_ip") or "").strip():
            prop["origin"] = {
                "ip": row["origin_ip"].strip(),
                "provider": row.get("origin_provider", ""),
                "abuse_email": row.get("origin_abuse_email", ""),
            }
        record["properties"].append(prop)
    return list(customers.values())


def import_records(records: list[dict[str, Any]], *, actor: str = "cli") -> ImportSummary:
    problems: list[str] = []
    cleaned = [_clean_customer(rec, i, problems) for i, rec in enumerate(records)]
    if problems:
        raise ImportError_(problems)
    summary = ImportSummary()
    with transaction.atomic():
        for rec in cleaned:
            _upsert(rec, summary)
        audit.append(
            actor=actor,
            verb="customers.imported",
            object_type="import",
            object_id="-",
            payload={"customers": summary.customers, "properties": summary.properties, "services": summary.services},
        )
    return summary


def _where(rec: dict[str, Any], index: int) -> str:
    return f"line {rec['_line']}" if "_line" in rec else f"customer #{index + 1}"


def _clean_customer(rec: Any, index: int, problems: list[str]) -> dict[str, Any]:
    if not isinstance(rec, dict):
        problems.append(f"customer #{index + 1}: must be an object")
        return {}
    where = _where(rec, index)
    for key in ("id", "name"):
        if not isinstance(rec.get(key), str) or not rec[key].strip():
            problems.append(f"{where}: {key} is required")
    email = (rec.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"{where}: email is not a valid e-mail address")
    props = [
        _clean_property(p, f"{where} property #{j + 1}", problems) for j, p in enumerate(rec.get("properties") or [])
    ]
    return {
        "id": str(rec.get("id", "")).strip(),
        "name": str(rec.get("name", "")).strip(),
        "email": email,
        "language": str(rec.get("language") or "en")[:8],
        "protected": bool(rec.get("protected", False)),
        "properties": props,
    }


def _clean_property(prop: Any, where: str, problems: list[str]) -> dict[str, Any]:
    if not isinstance(prop, dict):
        problems.append(f"{where}: must be an object")
        return {}
    where = f"line {prop['_line']}" if "_line" in prop else where
    kinds = [k for k in PropertyKind.values if prop.get(k)]
    if len(kinds) != 1:
        problems.append(f"{where}: give exactly one of domain, hostname, ip_range")
        return {}
    kind, value = kinds[0], str(prop[kinds[0]]).strip()
    out: dict[str, Any] = {"kind": kind}
    try:
        out.update(_property_value(kind, value))
    except ValueError as exc:
        problems.append(f"{where}: {kind} {exc}")
    services = prop.get("services") or []
    bad = [s for s in services if s not in ServiceKind.values]
    if bad or not services:
        problems.append(
            f"{where}: services must list one or more of {', '.join(ServiceKind.values)}"
            + (f" (unknown: {', '.join(map(str, bad))})" if bad else "")
        )
    out["services"] = services
    out["hosts_content"] = prop.get("hosts_content")
    origin = prop.get("origin") or {}
    if origin.get("ip"):
        try:
            ipaddress.ip_address(str(origin["ip"]))
        except ValueError:
            problems.append(f"{where}: origin.ip is not an IP address")
    if origin.get("webhook_url"):
        reason = _webhook_refusal(str(origin["webhook_url"]))
        if reason:
            problems.append(f"{where}: origin.webhook_url may not be contacted ({reason})")
    out["origin"] = origin
    return out


def _webhook_refusal(url: str) -> str | None:
    """Checked when saved (and again when each delivery is sent): the fetch policy's address rules."""
    from abusedesk.common.webhooks import refusal

    return refusal(url)


def _property_value(kind: str, value: str) -> dict[str, Any]:
    if kind == PropertyKind.IP_RANGE:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError("is not a CIDR range") from None
        return {
            "value": str(network),
            "ip_version": network.version,
            "ip_start": int(network.network_address),
            "ip_end": int(network.broadcast_address),
        }
    try:
        host, _unicode, ip = _normalise_host(value)
    except UrlError as exc:
        raise ValueError(str(exc).replace("has ", "is ", 1)) from None
    if ip:
        raise ValueError("must be a name, not an IP address (use ip_range)")
    return {"value": host}


def _upsert(rec: dict[str, Any], summary: ImportSummary) -> None:
    customer, _ = Customer.objects.update_or_create(
        external_id=rec["id"],
        defaults={
            "name": rec["name"],
            "email": rec["email"],
            "language": rec["language"],
            "protected": rec["protected"],
        },
    )
    summary.customers += 1
    for prop in rec["properties"]:
        defaults = {k: prop[k] for k in ("ip_version", "ip_start", "ip_end") if k in prop}
        obj, _ = Property.objects.update_or_create(
            kind=prop["kind"], value=prop["value"], defaults={"customer": customer, **defaults}
        )
        summary.properties += 1
        origin = prop["origin"]
        proxy_origin = {"origin_ip": origin.get("ip") or None, "origin_provider": str(origin.get("provider") or ""),
                        "origin_abuse_email": str(origin.get("abuse_email") or ""),
                        "origin_webhook_url": str(origin.get("webhook_url") or "")}
        no_origin = {"origin_ip": None, "origin_provider": "", "origin_abuse_email": "", "origin_webhook_url": ""}
        for kind in prop["services"]:
            hosts = prop["hosts_content"] if prop["hosts_content"] is not None else kind in HOSTING_KINDS
            Service.objects.update_or_create(property=obj, kind=kind, defaults={
                "hosts_content": hosts, "active": True, **(proxy_origin if kind == ServiceKind.PROXY else no_origin)})
            summary.services += 1
