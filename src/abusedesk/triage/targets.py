"""Linking cases to the person they target, across sites: the same name or alias (normalised, compared through a
blind index, so the name is never stored in clear) is one Target; every case about them is linked to it."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from abusedesk.common.crypto import blind_index
from abusedesk.triage.models import Target

POSSESSIVE = "['\u2019]s\\b"  # an apostrophe or a typographic one, then s


def normalise(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold().lstrip("@")
    text = re.sub(POSSESSIVE, "", text)  # "Lena Marsh's" is Lena Marsh
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text)).strip()


def _keys(names: list[str]) -> list[str]:
    return sorted({blind_index("target", normalise(n))[:32] for n in names if normalise(n)})


def link(case: Any, name: str, aliases: list[str]) -> Target | None:
    names = [name, *aliases]
    keys = _keys(names)
    if not keys:
        return None
    name = re.sub(POSSESSIVE + "$", "", name.strip())
    target = None
    for key in keys:
        target = Target.objects.filter(keys__contains=f"|{key}|").first()
        if target:
            break
    if target is None:
        target = Target.objects.create(name=name, aliases=json.dumps(sorted(set(aliases))),
                                       keys="|" + "|".join(keys) + "|")
    else:
        known = set(json.loads(target.aliases or "[]")) | set(aliases) | ({name} - {target.name})
        merged = sorted(set(target.keys.strip("|").split("|")) | set(keys))
        target.aliases = json.dumps(sorted(known))
        target.keys = "|" + "|".join(merged) + "|"
        target.save(update_fields=["aliases", "keys"])
    target.cases.add(case)
    return target


def target_keys(result: Any) -> list[str]:
    """Blind keys of every name and alias of the people an analysis found (result.targets)."""
    names = [n for found in getattr(result, "targets", []) or [] for n in (found.name, *found.aliases)]
    return _keys(names)


def link_from_result(case: Any, result: Any) -> list[Target]:
    """Link every target the detector found in a text (result.targets) to the case."""
    linked = []
    for found in getattr(result, "targets", []) or []:
        target = link(case, found.name, list(found.aliases))
        if target is not None:
            linked.append(target)
    return linked


def matching(name: str) -> list[Target]:
    key = blind_index("target", normalise(name))[:32]
    return list(Target.objects.filter(keys__contains=f"|{key}|"))
