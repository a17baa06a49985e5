"""The audit page's query: filters, and pages by sequence number (keyset), so no page counts the whole table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet

from abusedesk.audit import trail
from abusedesk.audit.models import AuditEvent

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    verb = forms.CharField(max_length=80, required=False,
                           help_text='e.g. decision.approved; ending in "." matches a family (decision.)')
    object_type = forms.CharField(max_length=40, required=False, label="Object type",
                                  help_text="case, decision, report, action, notice…")
    object_id = forms.CharField(max_length=80, required=False, label="Object id")
    actor = forms.CharField(max_length=200, required=False, help_text="a user name, user:NAME or system")
    since = forms.DateField(required=False, label="From (UTC day)", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To (UTC day, included)",
                            widget=forms.DateInput(attrs={"type": "date"}))
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    FILTERS = ("verb", "object_type", "object_id", "actor", "since", "until")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "must be on or after the From day")
        return data


@dataclass
class AuditPage:
    events: list[AuditEvent]
    newer: str  # query string of the newer page, "" when there is none
    older: str
    query: str  # the filters alone, for links that keep them


def filtered(data: dict[str, Any]) -> QuerySet[AuditEvent]:
    query = AuditEvent.objects.all()
    verb = data.get("verb", "").strip()
    if verb:
        query = query.filter(verb__startswith=verb) if verb.endswith(".") else query.filter(verb=verb)
    for field in ("object_type", "object_id"):
        if data.get(field, "").strip():
            query = query.filter(**{field: data[field].strip()})
    actor = data.get("actor", "").strip()
    if actor:
        query = query.filter(actor=actor if ":" in actor or actor == "system" else f"user:{actor}")
    if data.get("since"):
        query = query.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=UTC))
    if data.get("until"):
        query = query.filter(at__lt=datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=UTC))
    return query


def audit_page(data: dict[str, Any], size: int = PAGE_SIZE) -> AuditPage:
    """Newest first. `before=N` shows the page of events below seq N, `after=N` the page above it. The events
    committed since the workers' last seal are sealed first, so the page shows them with their place in the chain."""
    trail.seal()
    query = filtered(data).filter(seq__isnull=False)  # one committed after the seal above shows on the next load
    if data.get("after") is not None:
        rows = list(query.filter(seq__gt=data["after"]).order_by("seq")[:size + 1])
        more_newer, rows = len(rows) > size, rows[:size][::-1]
        more_older = bool(rows) and query.filter(seq__lt=rows[-1].seq).exists()
    else:
        if data.get("before") is not None:
            query_page = query.filter(seq__lt=data["before"])
            more_newer = query.filter(seq__gte=data["before"]).exists()
        else:
            query_page, more_newer = query, False
        rows = list(query_page.order_by("-seq")[:size + 1])
        more_older, rows = len(rows) > size, rows[:size]
    filters = urlencode({k: data[k] for k in AuditFilterForm.FILTERS if data.get(k)})
    return AuditPage(events=rows, query=filters,
                     newer=_link(filters, "after", rows[0].seq or 0) if rows and more_newer else "",
                     older=_link(filters, "before", rows[-1].seq or 0) if rows and more_older else "")


def _link(filters: str, key: str, seq: int) -> str:
    return "&".join(part for part in (filters, f"{key}={seq}") if part)
