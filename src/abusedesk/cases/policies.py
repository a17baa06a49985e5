"""Loading the versioned policy catalogue (cases/data/policies.json or a provider's own file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEFAULT_CATALOGUE = Path(__file__).parent / "data" / "policies.json"


def load_catalogue(apps: Any = None, *, path: Path = DEFAULT_CATALOGUE) -> int:
    """Insert clauses that are not there yet (code+version); existing versions are never changed."""
    if apps is not None:
        model = apps.get_model("cases", "PolicyClause")
    else:
        from abusedesk.cases.models import PolicyClause as model
    clauses = json.loads(path.read_text())["clauses"]
    created = 0
    for clause in clauses:
        _, made = model.objects.get_or_create(code=clause["code"], version=clause["version"], defaults={
            k: clause.get(k, "") for k in ("title", "text", "ground", "dsa_category", "legal_reference")
        } | {"keywords": clause.get("keywords", [])})
        created += int(made)
    return created
