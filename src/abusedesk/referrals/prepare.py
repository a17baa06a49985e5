"""At S0, prepare (never send) a law-enforcement referral packet: the content, times with time zone, evidence
hashes, why we suspect a threat to life, and where the target is — routed by the jurisdiction table
(referrals/jurisdiction.py: the victim's location first; EU Member State or Europol under DSA Art. 18;
elsewhere, e.g. Northern Ireland, the national contact)."""

from __future__ import annotations

import json
import logging
from typing import Any

from abusedesk.audit import trail as audit
from abusedesk.cases.models import Case, Finding
from abusedesk.referrals.models import Referral

logger = logging.getLogger("abusedesk.referrals")
LOCATING = {"address", "coordinates", "licence_plate"}


def _texts(case: Case) -> list[dict[str, Any]]:
    """Every text of the case with its spans: evidence captures and watched posts (newest last)."""
    items: list[dict[str, Any]] = []
    for finding in Finding.objects.filter(case=case).select_related("evidence").order_by("created_at"):
        if finding.evidence_id and finding.evidence and finding.evidence.text:
            items.append({"source": f"evidence:{finding.evidence.url}", "text": finding.evidence.text,
                          "spans": finding.spans, "sha256": finding.evidence.text_sha256,
                          "at": finding.evidence.fetched_at.isoformat() if finding.evidence.fetched_at else ""})
    for thread in case.watches.all():
        for post in thread.posts.all():
            items.append({"source": f"{thread.url}#post-{post.index}", "text": post.text, "spans": [],
                          "location": post.location, "sha256": post.text_sha256,
                          "at": post.posted_at or post.first_seen_at.isoformat(), "labels": post.labels})
    return items


def victim_location(case: Case) -> Any:
    from abusedesk.referrals.location import Location, locate

    for item in reversed(_texts(case)):
        if item.get("location"):
            loc = item["location"]
            return Location(country=loc["country"], subdivision=loc.get("subdivision"), place=loc.get("place"),
                            evidence=loc.get("evidence", ""))
        located = locate(item["text"], [s for s in item["spans"] if s.get("type") in LOCATING] or item["spans"])
        if located is not None:
            return located
    return None


def prepare(case: Case, *, reason: str) -> Referral:
    from abusedesk.referrals.jurisdiction import route

    location = victim_location(case)
    chosen = route(location)
    texts = _texts(case)
    packet = {
        "case": case.pk, "severity": case.severity, "why": reason,
        "target_location": None if location is None else {
            "country": location.country, "subdivision": location.subdivision, "place": location.place},
        "content": [{"source": t["source"], "at": t["at"], "sha256": t["sha256"], "text": t["text"][:2000]}
                    for t in texts[-20:]],
        "evidence": [{"url": e.url, "final_url": e.final_url, "fetched_at": e.fetched_at.isoformat()
                      if e.fetched_at else "", "body_sha256": e.body_sha256, "text_sha256": e.text_sha256,
                      "resolved_ip": e.resolved_ip}
                     # Each capture once: a campaign's reports share one (evidence/reuse.py), their rows repeat it.
                     for e in case.evidence.filter(status="captured", same_as__isnull=True)],
        "times_are": "UTC (ISO 8601 with offset)",
    }
    with audit.atomic():
        referral, created = Referral.objects.get_or_create(case=case, jurisdiction=chosen.jurisdiction, defaults={
            "authority": chosen.authority, "contact": chosen.contact, "basis": chosen.basis,
            "dsa_article_18": chosen.dsa_article_18, "packet": json.dumps(packet, ensure_ascii=False)})
        if created:
            audit.append(actor="system", verb="referral.prepared", object_type="referral", object_id=str(referral.pk),
                         payload={"case": case.pk, "jurisdiction": chosen.jurisdiction, "authority": chosen.authority,
                                  "dsa_article_18": chosen.dsa_article_18})
    logger.info("referral for case %s routed to %s", case.pk, chosen.jurisdiction)
    return referral
