"""The profile as evidence on a case, and retroactive runs over a case's stored evidence.

`store_on_case` keeps the profile as an Evidence row of the case: the profile JSON (targets pseudonymised) as the
encrypted body, a plain-text summary as the text, SHA-256 of both, a short summary (no post text, no names) in
`headers` under `kind: site-assessment` for the case page, and the chain of custody (who ran it, on which host,
when); the audit event `evidence.assessed` records the hashes of the profile and of every input in the same
transaction.

`rescore_case` re-scores with the detectors installed now what the case holds: each captured page's text (against
the findings stored for it), each watched post (against the labels stored with it) and the flagged posts of each
stored assessment. It writes nothing: it is the shadow run before a new model is switched on
(`ABUSEDESK_DETECTION_MODELS=DIR abusedesk assess --rescore C-N`).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from abusedesk import __version__
from abusedesk.assess.engines import Chunk
from abusedesk.assess.run import Engine
from abusedesk.assess.scoring import CHUNK
from abusedesk.cases.models import SITE_ASSESSMENT
from abusedesk.common.hashing import canonical_json, sha256_hex

KIND = SITE_ASSESSMENT


class CaseNotFound(Exception):
    pass


def find_case(ref: str) -> Any:
    from abusedesk.cases.models import Case

    digits = ref.strip().upper().removeprefix("C-")
    case = Case.objects.filter(pk=int(digits)).first() if digits.isdigit() else None
    if case is None:
        raise CaseNotFound(f"--case {ref}: no such case (expected C-N, e.g. C-12)")
    return case


def summary_text(profile: dict[str, Any]) -> str:
    lines = [f"Site assessment: {profile['posts']} posts in {profile['threads']} threads, "
             f"{profile['flagged_posts']} flagged."]
    for label, v in profile["labels"].items():
        lines.append(f"{label}: {v['count']} posts, {v['per_1000']} per 1,000 (95% CI {v['ci'][0]}-{v['ci'][1]})")
    lines += [f"input {i['file']} sha256 {i['sha256']}" for i in profile["inputs"]]
    return "\n".join(lines)


def _card(profile: dict[str, Any], body_sha256: str) -> dict[str, Any]:
    """What the case page shows: counts, months, pseudonymous targets, worst threads without their posts."""
    return {"kind": KIND, "profile_sha256": body_sha256, "posts": profile["posts"], "threads": profile["threads"],
            "flagged_posts": profile["flagged_posts"], "labels": profile["labels"],
            "months": [{"month": m["month"], "posts": m["posts"],
                        "counts": {k: v["count"] for k, v in m["labels"].items()}} for m in profile["months"]],
            "targets": [{k: v for k, v in t.items() if k != "name"} for t in profile["targets"][:10]],
            "top_threads": [{k: t[k] for k in ("thread", "posts", "flagged", "labels")}
                            for t in profile["top_threads"][:10]],
            "inputs": profile["inputs"], "detectors": profile["detectors"], "engine": profile.get("engine", {})}


def store_on_case(case: Any, profile: dict[str, Any], *, actor: str) -> Any:
    from django.utils import timezone

    from abusedesk.audit import trail as audit
    from abusedesk.evidence.models import CaptureStatus, Evidence

    public = dict(profile)
    public["targets"] = [{k: v for k, v in t.items() if k != "name"} for t in profile["targets"]]
    body = canonical_json(public)
    text = summary_text(public)
    engine = public.get("engine", {}).get("name", "")
    with audit.atomic():
        evidence = Evidence.objects.create(
            case=case, url=f"assessment:{sha256_hex(body)[:16]}", status=CaptureStatus.CAPTURED, settled=True,
            body=body, body_sha256=sha256_hex(body), text=text, text_sha256=sha256_hex(text.encode()),
            headers=_card(public, sha256_hex(body)), fetched_by=f"abusedesk-assess/{__version__} {engine} ({actor})",
            fetched_from=socket.gethostname()[:200], fetched_at=timezone.now())
        audit.append(actor=actor, verb="evidence.assessed", object_type="evidence", object_id=str(evidence.pk),
                     payload={"case": case.pk, "profile_sha256": evidence.body_sha256,
                              "text_sha256": evidence.text_sha256, "posts": public["posts"],
                              "inputs": [[i["file"], i["sha256"]] for i in public["inputs"]]})
    return evidence


@dataclass(frozen=True)
class Item:
    kind: str  # evidence | watched_post | assessed_post
    ref: str
    text: str
    before: tuple[str, ...]


def case_items(case: Any) -> list[Item]:
    """Everything of the case that was scored before, with the labels it got then."""
    from abusedesk.detection.api import DECISION, SCORED
    from abusedesk.watch.models import WatchedPost

    items = []
    for e in case.evidence.filter(status="captured").order_by("created_at"):
        if (e.headers or {}).get("kind") == KIND:
            items += _assessed_posts(e)
            continue
        cats = {f.category for f in e.findings.all() if f.category in SCORED and f.score >= DECISION}
        items.append(Item("evidence", str(e.pk), e.text or "", tuple(c for c in SCORED if c in cats)))
    for post in WatchedPost.objects.filter(thread__case=case).order_by("first_seen_at", "index"):
        items.append(Item("watched_post", str(post.pk), post.text or "", tuple(post.labels or ())))
    return [i for i in items if i.text.strip()]


def _assessed_posts(evidence: Any) -> list[Item]:
    profile = json.loads(bytes(evidence.body or b"{}"))
    return [Item("assessed_post", f"{evidence.pk}:{t['thread']}#{n}", p["text"], tuple(p["labels"]))
            for t in profile.get("top_threads", []) for n, p in enumerate(t["flagged_posts"])]


def rescore_case(case: Any, engine: Engine) -> dict[str, Any]:
    """Every stored item re-scored now; `changed` lists those whose labels differ."""
    items = case_items(case)
    texts = list(dict.fromkeys(i.text for i in items))
    now: dict[str, tuple[str, ...]] = {}
    chunks = [Chunk(n, tuple(texts[s:s + CHUNK])) for n, s in enumerate(range(0, len(texts), CHUNK))]
    for index, results in _first_answers(engine.score(chunks)):
        for text, result in zip(chunks[index].texts, results, strict=True):
            now[text] = result.labels
    rows = [{"kind": i.kind, "ref": i.ref, "before": list(i.before), "now": list(now[i.text]),
             "added": sorted(set(now[i.text]) - set(i.before)), "removed": sorted(set(i.before) - set(now[i.text]))}
            for i in items]
    changed = [r for r in rows if r["added"] or r["removed"]]
    return {"case": f"C-{case.pk}", "items": len(rows), "changed": changed, "unchanged": len(rows) - len(changed)}


def _first_answers(answers: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
    seen: set[int] = set()
    for index, results in answers:
        if index not in seen:
            seen.add(index)
            yield index, results
