"""`abusedesk customers import FILE`: customers, properties and services from CSV or JSON.

JSON: a list (or {"customers": [...]}) of
  {"id", "name", "email", "language", "protected",
   "properties": [{"domain"|"hostname"|"ip_range": VALUE, "services": ["proxy", ...],
                   "hosts_content": bool (optional),
                   "origin": {"ip", "provider", "abuse_email", "webhook_url"}}]}
Values must have their JSON type ("protected": "no" is refused) and unknown fields are refused.
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
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from pydantic import AfterValidator, BeforeValidator, Field, TypeAdapter, ValidationError, model_validator
from pydantic_core import ErrorDetails

from abusedesk.attribution.models import HOSTING_KINDS, Customer, Property, PropertyKind, Service, ServiceKind
from abusedesk.audit import trail as audit
from abusedesk.common.validation import DataModel, location, problem
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


# --- the record shapes; a validator's ValueError is the problem said after the field's name ----------------

def _required(value: str) -> str:
    if not value.strip():
        raise ValueError("is required")
    return value.strip()


def _email(value: str) -> str:
    value = value.strip()
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError("is not a valid e-mail address") from None
    return value


def _language(value: str) -> str:
    value = value.strip() or "en"
    if len(value) > 8:
        raise ValueError("is longer than 8 characters (a language tag such as en, es or pt-BR)")
    return value


def _host(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        host, _unicode, ip = _normalise_host(value.strip())
    except UrlError as exc:
        raise ValueError(str(exc).replace("has ", "is ", 1)) from None
    if ip:
        raise ValueError("must be a name, not an IP address (use ip_range)")
    return host


def _cidr(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise ValueError("is not a CIDR range") from None


def _ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError("is not an IP address") from None
    return value


def _webhook(value: str | None) -> str:
    """Checked when saved (and again when each delivery is sent): the fetch policy's address rules."""
    from abusedesk.net.webhooks import refusal

    reason = refusal(value) if value else None
    if reason:
        raise ValueError(f"may not be contacted ({reason})")
    return value or ""


def _services(value: list[str]) -> list[str]:
    bad = [s for s in value if s not in ServiceKind.values]
    if bad or not value:
        raise ValueError(f"must list one or more of {', '.join(ServiceKind.values)}"
                         + (f" (unknown: {', '.join(bad)})" if bad else ""))
    return value


_NONE_IS_EMPTY = BeforeValidator(lambda value: "" if value is None else value)


class _Origin(DataModel):
    ip: Annotated[str | None, AfterValidator(_ip)] = None
    provider: str | None = None
    abuse_email: str | None = None
    webhook_url: Annotated[str | None, AfterValidator(_webhook)] = None


class _Property(DataModel):
    domain: Annotated[str | None, AfterValidator(_host)] = None
    hostname: Annotated[str | None, AfterValidator(_host)] = None
    ip_range: Annotated[str | None, AfterValidator(_cidr)] = None
    services: Annotated[list[str], AfterValidator(_services)] = Field(default_factory=list, validate_default=True)
    hosts_content: bool | None = None
    origin: _Origin | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and len([k for k in PropertyKind.values if data.get(k)]) != 1:
            raise ValueError(f"give exactly one of {', '.join(PropertyKind.values)}")
        return data

    @property
    def kind(self) -> str:
        return next(k for k in PropertyKind.values if getattr(self, k))

    @property
    def value(self) -> str:
        return str(getattr(self, self.kind))

    def range_fields(self) -> dict[str, int]:
        if self.ip_range is None:
            return {}
        network = ipaddress.ip_network(self.ip_range)
        return {"ip_version": network.version, "ip_start": int(network.network_address),
                "ip_end": int(network.broadcast_address)}


class _Customer(DataModel):
    id: Annotated[str, AfterValidator(_required)]
    name: Annotated[str, AfterValidator(_required)]
    email: Annotated[str, _NONE_IS_EMPTY, AfterValidator(_email)] = ""
    language: Annotated[str, _NONE_IS_EMPTY, AfterValidator(_language)] = "en"
    protected: bool = False
    properties: list[_Property] | None = None


_customers = TypeAdapter(list[_Customer])


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
    try:
        cleaned = _customers.validate_python(records)
    except ValidationError as exc:
        raise ImportError_([_said(records, err) for err in exc.errors()]) from None
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


def _said(records: list[Any], err: ErrorDetails) -> str:
    """"customer #2 property #1: origin.ip is not an IP address", or "line 7: ..." for a CSV row."""
    if not err["loc"] or not isinstance(err["loc"][0], int):
        return f"(file): {problem(err)}"
    index, loc = err["loc"][0], list(err["loc"][1:])
    rec = records[index] if isinstance(records[index], dict) else {}
    where = f"line {rec['_line']}" if "_line" in rec else f"customer #{index + 1}"
    if len(loc) >= 2 and loc[0] == "properties" and isinstance(loc[1], int):
        prop = rec["properties"][loc[1]]
        prop_line = prop.get("_line") if isinstance(prop, dict) else None
        where = f"line {prop_line}" if prop_line else f"{where} property #{loc[1] + 1}"
        loc = loc[2:]
    field = location(loc, brackets=False)
    return f"{where}: {field} {problem(err)}" if field else f"{where}: {problem(err)}"


def _upsert(rec: _Customer, summary: ImportSummary) -> None:
    customer, _ = Customer.objects.update_or_create(
        external_id=rec.id,
        defaults={"name": rec.name, "email": rec.email, "language": rec.language, "protected": rec.protected},
    )
    summary.customers += 1
    no_origin = {"origin_ip": None, "origin_provider": "", "origin_abuse_email": "", "origin_webhook_url": ""}
    for prop in rec.properties or []:
        obj, _ = Property.objects.update_or_create(
            kind=prop.kind, value=prop.value, defaults={"customer": customer, **prop.range_fields()}
        )
        summary.properties += 1
        origin = prop.origin or _Origin()
        proxy_origin = {"origin_ip": origin.ip, "origin_provider": origin.provider or "",
                        "origin_abuse_email": origin.abuse_email or "", "origin_webhook_url": origin.webhook_url or ""}
        for kind in prop.services:
            hosts = prop.hosts_content if prop.hosts_content is not None else kind in HOSTING_KINDS
            Service.objects.update_or_create(property=obj, kind=kind, defaults={
                "hosts_content": hosts, "active": True, **(proxy_origin if kind == ServiceKind.PROXY else no_origin)})
            summary.services += 1
