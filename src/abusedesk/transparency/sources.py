"""Read-only access to figures whose tables live in other stages (appeals, misuse, authority orders).

Transparency owns no tables and must not import models that may not exist yet (appeals and misuse are
optional apps): each function looks the
model up through the app registry and returns [] when the app or model is absent, so a report can be built
on any installation. Each returns plain dicts (never ORM objects, never encrypted fields), which is all the
figures need and keeps personal data out of reach of this package.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Count, Q
from django.db.models.fields.json import KT

from abusedesk.intake.models import Lane, Report
from abusedesk.transparency.period import Period


def _model(app_label: str, *names: str) -> type[models.Model] | None:
    """The first of `names` that exists in `app_label`, or None (app not installed or model not written)."""
    if not any(config.label == app_label for config in apps.get_app_configs()):
        return None
    for name in names:
        try:
            return apps.get_model(app_label, name)
        except LookupError:
            continue
    return None


def _field_names(model: type[models.Model]) -> set[str]:
    return {field.name for field in model._meta.get_fields()}


def appeals_in(period: Period) -> list[dict[str, Any]]:
    """Appeals submitted in the period: [{"status", "role", "submitted_at", "reviewed_at"}].

    Reads `appeals.Appeal` (status pending/upheld/rejected, role customer/reporter); never its grounds.
    """
    model = _model("appeals", "Appeal")
    if model is None:
        return []
    fields = _field_names(model)
    wanted = [name for name in ("status", "role", "submitted_at", "reviewed_at") if name in fields]
    if "submitted_at" not in wanted:
        return []
    rows = model._default_manager.filter(submitted_at__gte=period.start, submitted_at__lt=period.end).values(*wanted)
    return [dict(row) for row in rows]


def misuse_suspensions_in(period: Period) -> list[dict[str, Any]]:
    """Art. 23 suspensions that started in the period: [{"kind", "started_at"}].

    Reads `misuse.MisuseStep` rows of kind "suspension" (notifiers who often sent manifestly unfounded
    notices; kind "unfounded_notices"). Never reads who was suspended (e-mail index, token).
    """
    model = _model("misuse", "MisuseStep")
    if model is None or not {"kind", "created_at"} <= _field_names(model):
        return []
    rows = model._default_manager.filter(kind="suspension", created_at__gte=period.start, created_at__lt=period.end)
    return [{"kind": "unfounded_notices", "started_at": at} for at in rows.values_list("created_at", flat=True)]


def authority_filter() -> Q:
    """Which reports are authority orders: the authority lane, which only an authority's API token gives. A reporter
    who merely says they are an authority is an ordinary notice (their claim is Report.claimed_kind).

    The same test cases.actions.do_decide applies before acting on an order.
    """
    return Q(lane=Lane.AUTHORITY)


def authority_orders_in(period: Period) -> list[dict[str, Any]]:
    """Authority orders (DSA Art. 9) received in the period, by issuing country: [{"country", "count"}].

    The country comes from the order's elements (Report.order["country"], ISO 3166 alpha-2) where the intake
    stage stores them; otherwise, and where the authority left it out, it is "unknown".
    """
    orders = Report.objects.filter(authority_filter(), received_at__gte=period.start, received_at__lt=period.end)
    if "order" not in {f.name for f in Report._meta.get_fields()}:
        return [{"country": "unknown", "count": n} for n in [orders.count()] if n]
    rows = orders.order_by().values(country=KT("order__country")).annotate(n=Count("pk"))
    counts: Counter[str] = Counter()
    for row in rows:
        country = str(row["country"] or "").strip().upper()
        counts[country if len(country) == 2 and country.isalpha() else "unknown"] += row["n"]
    return [{"country": country, "count": n} for country, n in sorted(counts.items())]
